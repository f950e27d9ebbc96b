/**
 * Minimal protobuf (proto2) wire-format writer, enough to encode ONNX models without dependencies
 * (hand-written, chosen over the onnx-proto and onnx-buf packages to add no dependency).
 *
 * Wire types used: 0 varint (ints, enums), 2 length-delimited (strings, bytes, nested messages),
 * 5 fixed32 (float). Repeated scalars are written unpacked, one tag per element, which every
 * proto2 reader accepts.
 *
 * Large byte payloads (weights) are kept by reference and copied exactly once, in {@link
 * ProtoWriter.finish}; small fields go through a scratch buffer so a model with thousands of
 * nodes does not allocate thousands of tiny arrays.
 */

/** Wire type numbers from the protobuf encoding spec. */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** Payloads at least this long (bytes) are referenced instead of copied into the scratch buffer. */
const BY_REFERENCE_BYTES = 256;

/** Appends fields of one message; nest messages with {@link ProtoWriter.message}. */
export class ProtoWriter {
  /** Finished pieces, in order; large payloads are views of the caller's memory. */
  private readonly chunks: Uint8Array[] = [];
  private chunkBytes = 0;
  private scratch = new Uint8Array(64);
  private scratchLen = 0;

  /** Encoded size so far, bytes. */
  get length(): number {
    return this.chunkBytes + this.scratchLen;
  }

  /** Raw varint (no tag). Accepts integers in [-2^63, 2^64); negatives use 10-byte two's complement as int64 requires. */
  varint(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`varint: expected a safe integer, got ${value}`);
      if (value >= 0) {
        let v = value;
        // Division instead of >>> because values may exceed 2^32.
        while (v >= 0x80) {
          this.byte((v % 0x80) | 0x80);
          v = Math.floor(v / 0x80);
        }
        return this.byte(v);
      }
      value = BigInt(value);
    }
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    return this.byte(Number(v));
  }

  /** Field key: `(field << 3) | wireType`. */
  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** int32/int64/enum/bool field as a varint. */
  int(field: number, value: number | bigint): this {
    return this.tag(field, WireType.varint).varint(value);
  }

  /** float field as fixed32, IEEE-754 little-endian. */
  float(field: number, value: number): this {
    this.tag(field, WireType.fixed32);
    this.reserve(4);
    new DataView(this.scratch.buffer).setFloat32(this.scratchLen, value, true);
    this.scratchLen += 4;
    return this;
  }

  /** string field, UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** bytes field. Payloads of {@link BY_REFERENCE_BYTES} or more are not copied until `finish`: do not mutate them before then. */
  bytes(field: number, payload: Uint8Array): this {
    this.tag(field, WireType.lengthDelimited).varint(payload.length);
    if (payload.length < BY_REFERENCE_BYTES) {
      this.reserve(payload.length);
      this.scratch.set(payload, this.scratchLen);
      this.scratchLen += payload.length;
    } else {
      this.flush();
      this.push(payload);
    }
    return this;
  }

  /** Nested message field. `inner` is consumed: its pieces become part of this writer. */
  message(field: number, inner: ProtoWriter): this {
    inner.flush();
    this.tag(field, WireType.lengthDelimited).varint(inner.chunkBytes);
    this.flush();
    for (const c of inner.chunks) this.push(c);
    return this;
  }

  /** The whole encoding as one array (the single copy of every referenced payload). */
  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0];
    const out = new Uint8Array(this.chunkBytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  private byte(b: number): this {
    this.reserve(1);
    this.scratch[this.scratchLen++] = b;
    return this;
  }

  private reserve(n: number): void {
    if (this.scratchLen + n <= this.scratch.length) return;
    let size = this.scratch.length * 2;
    while (size < this.scratchLen + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.scratch.subarray(0, this.scratchLen));
    this.scratch = grown;
  }

  /** Move scratch bytes into a chunk; the scratch buffer is then abandoned, never overwritten. */
  private flush(): void {
    if (this.scratchLen === 0) return;
    this.push(this.scratch.subarray(0, this.scratchLen));
    this.scratch = new Uint8Array(Math.max(64, Math.min(this.scratch.length, 4096)));
    this.scratchLen = 0;
  }

  private push(c: Uint8Array): void {
    this.chunks.push(c);
    this.chunkBytes += c.length;
  }
}

/** Little-endian bytes of a float32 array, as a view (no copy). */
export function float32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Little-endian bytes of int64 values (ONNX TensorProto raw_data for INT64). */
export function int64Bytes(values: readonly number[]): Uint8Array {
  const a = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) a[i] = BigInt(values[i]);
  return new Uint8Array(a.buffer);
}
