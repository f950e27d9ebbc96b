/**
 * BERT-base encoder (Devlin et al. 2019; Hugging Face `BertModel`): 12 layers, hidden 768, 12 heads,
 * FFN 3072, vocabulary 30522, 512 learned positions, 2 token types, post-LayerNorm (ε 1e-12), exact
 * erf GELU, tanh pooler on the first token. 109,482,240 parameters with the pooler.
 *
 * Input: int64 token ids `[N, 14]`, every token attended (no mask input) and token type 0.
 * Output: the pooled `[N, 768]` vector. The full 512-row position table is kept (it is part of
 * the model's parameters); the graph gathers rows 0..13 of it, which onnxruntime constant-folds.
 */
import type { Act, GraphBuilder } from '../graph.ts';
import { scaled, type ResolvedZooOptions, type ZooEntry } from './entry.ts';

export const BERT_SEQ_LEN = 14;
const VOCAB = 30522;
const MAX_POSITIONS = 512;
const TOKEN_TYPES = 2;
const HEADS = 12;
const LN_EPS = 1e-12;
/** BERT initialises weights N(0, 0.02); a uniform with the same standard deviation. */
const INIT_BOUND = 0.02 * Math.sqrt(3);

function selfAttention(b: GraphBuilder, x: Act, headDim: number): Act {
  const [seq, hidden] = x.shape;
  const heads = (t: Act): Act => b.reshape(t, [seq, HEADS, headDim]);
  const q = b.transpose(heads(b.linear(x, hidden, INIT_BOUND)), [1, 0, 2]); // [H, S, d]
  const k = b.transpose(heads(b.linear(x, hidden, INIT_BOUND)), [1, 2, 0]); // [H, d, S]
  const v = b.transpose(heads(b.linear(x, hidden, INIT_BOUND)), [1, 0, 2]); // [H, S, d]
  const probs = b.softmax(b.binary('Mul', b.matmul(q, k), b.scalar(1 / Math.sqrt(headDim))));
  const context = b.reshape(b.transpose(b.matmul(probs, v), [1, 0, 2]), [seq, hidden]);
  return b.linear(context, hidden, INIT_BOUND);
}

function encoderLayer(b: GraphBuilder, x: Act, headDim: number, ffn: number): Act {
  const hidden = x.shape[1];
  x = b.layerNorm(b.add(selfAttention(b, x, headDim), x), LN_EPS);
  const y = b.linear(b.gelu(b.linear(x, ffn, INIT_BOUND)), hidden, INIT_BOUND);
  return b.layerNorm(b.add(y, x), LN_EPS);
}

/** BERT-base, `[N, 14]` int64 token ids → pooled `[N, 768]`. `numLayers` and the width multiplier shrink it. */
export const bert: ZooEntry = {
  description: 'BERT-base (12 layers, hidden 768, 12 heads), [N,14] int64 token ids -> pooled [N,768]',
  inputShape: [BERT_SEQ_LEN],
  inputType: 'int64',
  build(b: GraphBuilder, o: ResolvedZooOptions): void {
    // Keep 12 heads; the width multiplier scales the head size (64 at full width).
    const headDim = scaled(64, o.widthMultiplier);
    const hidden = HEADS * headDim;
    const ffn = scaled(3072, o.widthMultiplier);
    const ids = b.input('input_ids', 'int64', [BERT_SEQ_LEN]);
    let x = b.embedding(ids, VOCAB, hidden, INIT_BOUND);
    const positionTable = b.param([MAX_POSITIONS, hidden], { kind: 'uniform', bound: INIT_BOUND });
    const positions = Array.from({ length: BERT_SEQ_LEN }, (_, i) => i);
    x = b.add(x, b.node('Gather', [positionTable, b.int64(positions)], { axis: 0 })[0]);
    const typeTable = b.param([TOKEN_TYPES, hidden], { kind: 'uniform', bound: INIT_BOUND });
    x = b.add(x, b.node('Gather', [typeTable, b.int64([0], [])], { axis: 0 })[0]);
    x = b.layerNorm(x, LN_EPS);
    for (let l = 0; l < o.numLayers; l++) x = encoderLayer(b, x, headDim, ffn);
    const pooled = b.unary('Tanh', b.linear(b.select(x, 0, 0), hidden, INIT_BOUND));
    b.output(pooled, 'pooled');
  },
};
