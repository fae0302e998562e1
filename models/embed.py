#!/usr/bin/env python3
"""Embeds every model window of every deduplicated dataset row with models/encoder.onnx (the
file that ships).

Texts are cut into windows exactly as the Rust runner does (`tokenizer.rs`): WordPiece tokens
without special tokens, windows of [CLS] + at most WINDOW-2 tokens + [SEP] whose starts are
STRIDE tokens apart. The heads are trained on windows, because at run time every window of a
long text is scored (a head trained on first windows only sees long benign texts half-way
through for the first time in production). onnxruntime is used here only because it is a quick
way to run the same file in batches; at run time promptguard uses tract.

    pip install numpy onnx onnxruntime tokenizers
    python models/embed.py --cache /tmp/pg-ml/win.npz

Writes an .npz with `keys` (the normalised texts, data.load() order), per window `row` (index
into keys), `index` (window number within its text), `start`/`end` (character offsets of the
window's span in the text) and `emb` [windows, 384] float32.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

WINDOW = 128
STRIDE = 96
HERE = os.path.dirname(os.path.abspath(__file__))


def windows(tok, text):
    """[(ids with [CLS]/[SEP], char start, char end)], as WindowTokenizer::windows in Rust."""
    enc = tok.encode(text, add_special_tokens=False)
    ids, offs = enc.ids, enc.offsets
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    body = WINDOW - 2
    out, i = [], 0
    while True:
        end = min(i + body, len(ids))
        span = (offs[i][0], offs[end - 1][1]) if end > i else (0, len(text))
        out.append(([cls] + ids[i:end] + [sep], span[0], span[1]))
        if end >= len(ids):
            break
        i += STRIDE
    return out


def encode_ids(tok, text):
    """The first window's ids (used by train.py's golden vectors)."""
    return windows(tok, text)[0][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reuse", help="an earlier cache: windows of texts it holds are copied, not re-embedded")
    a = ap.parse_args()
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(HERE, "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    sess = ort.InferenceSession(os.path.join(HERE, "encoder.onnx"), opts)
    rows = data.load()
    seqs, row_of, index, start, end = [], [], [], [], []
    for r_i, r in enumerate(rows):
        for w_i, (ids, s, e) in enumerate(windows(tok, r["text"])):
            seqs.append(ids)
            row_of.append(r_i)
            index.append(w_i)
            start.append(s)
            end.append(e)
    print(f"{len(rows)} rows, {len(seqs)} windows", flush=True)
    emb = np.zeros((len(seqs), 384), np.float32)
    todo = range(len(seqs))
    if a.reuse:
        # The same encoder file and windowing give the same vectors: copy them by (text, window).
        old = np.load(a.reuse, allow_pickle=True)
        old_keys, old_emb = old["keys"], old["emb"]
        old_at = {(old_keys[r], w): i for i, (r, w) in enumerate(zip(old["row"], old["index"]))}
        todo = []
        for i in range(len(seqs)):
            j = old_at.get((rows[row_of[i]]["key"], index[i]))
            if j is None:
                todo.append(i)
            else:
                emb[i] = old_emb[j]
        print(f"reused {len(seqs) - len(todo)} windows from {a.reuse}; embedding {len(todo)}", flush=True)
    order = sorted(todo, key=lambda i: len(seqs[i]))
    t0 = time.time()
    batch = 32
    for b in range(0, len(order), batch):
        idx = order[b: b + batch]
        width = max(len(seqs[i]) for i in idx)
        ids = np.zeros((len(idx), width), np.int64)
        mask = np.zeros((len(idx), width), np.float32)
        for j, i in enumerate(idx):
            ids[j, : len(seqs[i])] = seqs[i]
            mask[j, : len(seqs[i])] = 1
        emb[idx] = sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        if b // batch % 200 == 0:
            print(f"{b}/{len(order)} width {width} {time.time() - t0:.0f}s", flush=True)
    np.savez(a.cache, keys=np.array([r["key"] for r in rows], dtype=object), row=np.array(row_of),
             index=np.array(index), start=np.array(start), end=np.array(end), emb=emb)
    print("done", len(seqs), f"{time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
