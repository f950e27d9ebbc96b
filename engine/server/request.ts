/**
 * Requests and where they go when they end. Every request that arrives ends exactly once: completed,
 * or dropped with a reason (docs/design.md#serving-rules).
 */

/** Why a request was dropped. */
export type DropReason =
  /** Queued longer than its SLO (the artifact's drop thread, `--drop 1.0`). */
  | 'queue_timeout'
  /** The plan has no gpulet for the task. */
  | 'not_placed'
  /** The executor running (or about to run) its batch failed. */
  | 'executor_failed';

export const DROP_REASONS: readonly DropReason[] = ['queue_timeout', 'not_placed', 'executor_failed'];

/** An application request (a DAG of model requests) in flight. */
export interface AppRequest {
  readonly id: number;
  readonly arrivedAtMs: number;
  /** Index of the stage now running. */
  stage: number;
  /** Model requests of the current stage not finished yet. */
  pending: number;
  /** Set once any part is dropped: the app request then counts as dropped, once, with that part's reason. */
  dropped: boolean;
}

/** One inference request for one task. */
export interface ModelRequest {
  readonly id: number;
  readonly task: string;
  readonly arrivedAtMs: number;
  /** The application request this belongs to, or null for a plain model request. */
  readonly parent: AppRequest | null;
}

/** Receives every request's end. */
export interface RequestSink {
  completed(req: ModelRequest, completedAtMs: number): void;
  dropped(req: ModelRequest, reason: DropReason, droppedAtMs: number): void;
}
