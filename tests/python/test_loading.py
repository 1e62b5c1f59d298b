"""scour's output loaded by the tools downstream datasets use, as a new user would.

A mixed run (text files, HTML pages, JSON Lines dumps, a gzipped WARC archive) is written plain,
zstd, gzip and rotated, then loaded with Hugging Face `datasets` through the dataset card with
nothing passed (streaming and not), with `load_dataset("json", ...)` and the card's features,
with DuckDB through the card's one-line query, and with pandas; the types and row counts are
checked against the schema and report.json.

The first 10 MB of clean.jsonl are text files without captions, dates or URLs, and the records
that have them come after: exactly the mix that fails to load without declared types.

Run: python3 tests/python/test_loading.py (after `cargo build`; SCOUR_BIN names another binary).
"""

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORK = Path(tempfile.mkdtemp(prefix="scour-loading-"))
os.environ.setdefault("HF_DATASETS_CACHE", str(WORK / "hf-cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

import datasets  # noqa: E402
import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

# More caption-less, date-less text than datasets' first 10 MB block.
TEXT_FILES = 5200
TEXT_BYTES = 2200


def scour_binary():
    if os.environ.get("SCOUR_BIN"):
        return os.environ["SCOUR_BIN"]
    # The binary `cargo test` (or `cargo build`) just built: the newer of debug and release.
    built = [REPO / "target" / p / "scour" for p in ("debug", "release")]
    built = [b for b in built if b.exists()]
    if not built:
        subprocess.run(["cargo", "build", "--locked"], cwd=REPO, check=True)
        return str(REPO / "target" / "debug" / "scour")
    return str(max(built, key=lambda b: b.stat().st_mtime))


def words(rng, n):
    vocabulary = "port ferry market council river harbour rain festival bridge school minister".split()
    return " ".join(rng.choice(vocabulary) + str(rng.randrange(10**6)) for _ in range(n))


def warc_record(uri, block):
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
        "WARC-Date: 2024-11-06T01:02:03Z\r\nContent-Length: {n}\r\n\r\n"
    ).format(uri=uri, n=len(block))
    return gzip.compress(head.encode() + block + b"\r\n\r\n")


def make_inputs(root):
    rng = random.Random(16)
    texts = root / "a_text"
    texts.mkdir(parents=True)
    for n in range(TEXT_FILES):
        body = words(rng, TEXT_BYTES // 12)
        (texts / f"{n:05}.txt").write_text(f"Story {n}\n\n{body}.\n")
    # The same story twice: a duplicate.
    shutil.copy(texts / "00000.txt", texts / "00000-copy.txt")
    (texts / "empty.txt").write_bytes(b"")
    pages = root / "b_pages"
    pages.mkdir()
    for n, date in enumerate(["2024-11-01T19:20:00+09:00", "Wed, 06 Nov 2024 08:00:00 +0900",
                              "November 6, 2024", "2016-12-31T23:59:60Z"]):
        (pages / f"{n}.html").write_text(
            f'<html lang="ko"><head><meta property="article:published_time" content="{date}">'
            f'<meta name="author" content="Kang"><meta property="og:site_name" content="Site">'
            f"</head><body><article><h1>Page {n}</h1><p>{words(rng, 40)}.</p><figure>"
            f'<img src="a.jpg"><figcaption>Lanterns on the stream {n}. Yonhap</figcaption>'
            f"</figure><p>{words(rng, 30)}.</p></article></body></html>"
        )
    dumps = root / "c_dumps"
    dumps.mkdir()
    with open(dumps / "feed.jsonl", "w") as feed:
        for n in range(50):
            record = {"url": f"https://d.example/{n}", "title": f"Dump {n}",
                      "text": words(rng, 60), "published": 1730851200 + n}
            feed.write(json.dumps(record) + "\n")
        feed.write("not json\n")
    warc = b""
    for n in range(20):
        page = f"<html><body><article><p>{words(rng, 50)}.</p></article></body></html>".encode()
        block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + page)
        warc += warc_record(f"https://w.example/{n}", block)
    (root / "d_crawl.warc.gz").write_bytes(warc)


def run_scour(inputs, out, *extra, config=None):
    args = [scour_binary(), "run", "--input", str(inputs), "--output", str(out), "-q"]
    if config:
        args += ["--config", str(config)]
    subprocess.run(args + list(extra), cwd=WORK, check=True)
    return json.loads((out / "report.json").read_text())


def card(out):
    text = (out / "README.md").read_text()
    header = text.split("---\n")[1]
    return text, yaml.safe_load(header)


def card_features(meta, config):
    info = next(i for i in meta["dataset_info"] if i["config_name"] == config)
    return datasets.Features._from_yaml_list(info["features"])


def card_files(meta, config):
    entry = next(c for c in meta["configs"] if c["config_name"] == config)
    return entry["data_files"][0]["path"]


def expected_rows(report, config):
    counts = report["counts"]
    return {"clean": counts["kept"], "duplicates": counts["duplicates"],
            "rejects": counts["rejected"]}[config]


class Loading(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.inputs = WORK / "in"
        make_inputs(cls.inputs)
        rotate = WORK / "rotate.toml"
        rotate.write_text("[output]\nmax_records_per_file = 2000\ncompression = \"zstd\"\n")
        rotate_plain = WORK / "rotate-plain.toml"
        rotate_plain.write_text("[output]\nmax_records_per_file = 1500\n")
        cls.outputs = {}
        for name, extra, config in [
            ("plain", [], None),
            ("zstd", ["--compress", "zstd"], None),
            ("gzip", ["--compress", "gzip"], None),
            ("rotated-zstd", [], rotate),
            ("rotated-plain", [], rotate_plain),
        ]:
            out = WORK / name
            cls.outputs[name] = (out, run_scour(cls.inputs, out, *extra, config=config))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)

    def test_the_mix_is_what_makes_inference_fail(self):
        out, report = self.outputs["plain"]
        self.assertGreater(report["counts"]["kept"], TEXT_FILES)
        self.assertGreater(report["counts"]["duplicates"], 0)
        self.assertGreater(report["counts"]["rejected"], 0)
        first_block = (out / "clean.jsonl").read_bytes()[: 10 << 20].decode(errors="ignore")
        self.assertNotIn('"crawl_date":"', first_block)
        self.assertNotIn('"captions":["', first_block)

    def test_rotated_outputs_have_several_parts_in_the_card(self):
        for name in ("rotated-zstd", "rotated-plain"):
            out, _ = self.outputs[name]
            _, meta = card(out)
            files = card_files(meta, "clean")
            self.assertGreater(len(files), 1, name)
            for file in files:
                self.assertTrue((out / file).exists(), file)

    def test_load_dataset_through_the_card_with_nothing_passed(self):
        for name, (out, report) in self.outputs.items():
            _, meta = card(out)
            for config in ("clean", "duplicates", "rejects"):
                with self.subTest(output=name, config=config):
                    loaded = datasets.load_dataset(str(out), config)["train"]
                    self.assertEqual(loaded.features, card_features(meta, config))
                    self.assertEqual(loaded.num_rows, expected_rows(report, config))
            clean = datasets.load_dataset(str(out))["train"]
            self.assertEqual(clean.features["captions"], datasets.List(datasets.Value("string")))
            utc = datasets.Value("timestamp[s, tz=UTC]")
            self.assertEqual(clean.features["date"], utc)
            self.assertEqual(clean.features["crawl_date"], utc)
            self.assertEqual(clean.features["replaced_bytes"], datasets.Value("int64"))
            dates = {d.isoformat() for d in clean["date"] if d is not None}
            # Offsets become their exact instants; a date without one is read as UTC.
            self.assertIn("2024-11-01T10:20:00+00:00", dates)  # 19:20+09:00
            self.assertIn("2024-11-05T23:00:00+00:00", dates)  # RFC 2822, 08:00 +0900
            self.assertIn("2024-11-06T00:00:00+00:00", dates)  # November 6, 2024; epochs
            self.assertEqual(report["unparsed_dates"]["count"], 1)
            self.assertEqual(sum(1 for c in clean["crawl_date"] if c), 20)

    def test_load_dataset_streaming_through_the_card(self):
        for name, (out, report) in self.outputs.items():
            for config in ("clean", "duplicates", "rejects"):
                with self.subTest(output=name, config=config):
                    stream = datasets.load_dataset(str(out), config, streaming=True)["train"]
                    rows = 0
                    for row in stream:
                        rows += 1
                        if config == "clean":
                            self.assertIsInstance(row["captions"], list)
                    self.assertEqual(rows, expected_rows(report, config))

    def test_load_dataset_json_with_the_cards_features(self):
        for name, (out, report) in self.outputs.items():
            _, meta = card(out)
            for config in ("clean", "duplicates", "rejects"):
                files = [str(out / f) for f in card_files(meta, config)]
                features = card_features(meta, config)
                for streaming in (False, True):
                    with self.subTest(output=name, config=config, streaming=streaming):
                        loaded = datasets.load_dataset(
                            "json", data_files=files, features=features, streaming=streaming
                        )["train"]
                        rows = sum(1 for _ in loaded) if streaming else loaded.num_rows
                        self.assertEqual(rows, expected_rows(report, config))
                        self.assertEqual(loaded.features, features)

    def test_duckdb_with_the_cards_query(self):
        tz = "TIMESTAMP WITH TIME ZONE"
        # id, source, title, date, text, captions, sha256, format, encoding, replaced_bytes,
        # url, author, language, site_name, crawl_date
        types = {"clean": ["VARCHAR"] * 3 + [tz, "VARCHAR", "VARCHAR[]"] + ["VARCHAR"] * 3
                 + ["BIGINT"] + ["VARCHAR"] * 4 + [tz],
                 "duplicates": ["VARCHAR"] * 4 + ["DOUBLE"],
                 "rejects": ["VARCHAR"] * 3}
        for name, (out, report) in self.outputs.items():
            text, _ = card(out)
            queries = [line for line in text.splitlines() if line.startswith("SET TimeZone = 'UTC'; SELECT")]
            self.assertEqual(len(queries), 3)
            cwd = os.getcwd()
            os.chdir(out)
            try:
                for config, query in zip(("clean", "duplicates", "rejects"), queries):
                    with self.subTest(output=name, config=config):
                        relation = duckdb.sql(query)
                        self.assertEqual([str(t) for t in relation.types], types[config])
                        self.assertEqual(len(relation.fetchall()), expected_rows(report, config))
                clean = duckdb.sql(queries[0])  # noqa: F841 (the view below reads it)
                instants = {row[0] for row in duckdb.sql(
                    "SELECT strftime(date, '%Y-%m-%dT%H:%M:%S') FROM clean WHERE date IS NOT NULL"
                ).fetchall()}
                self.assertIn("2024-11-01T10:20:00", instants)
                self.assertIn("2024-11-06T00:00:00", instants)
            finally:
                os.chdir(cwd)

    def test_pandas_as_the_card_says(self):
        for name, (out, report) in self.outputs.items():
            _, meta = card(out)
            files = [out / f for f in card_files(meta, "clean")]
            with self.subTest(output=name):
                clean = pd.concat(
                    [pd.read_json(f, lines=True, dtype=False) for f in files],
                    ignore_index=True,
                )
                self.assertEqual(len(clean), report["counts"]["kept"])
                self.assertEqual(list(clean.columns), [f["name"] for f in
                                 next(i for i in meta["dataset_info"] if i["config_name"] == "clean")["features"]])
                self.assertTrue(all(isinstance(c, list) for c in clean["captions"]))
                parsed = pd.to_datetime(clean["date"], utc=True, format="ISO8601")
                self.assertEqual(parsed.notna().sum(), clean["date"].notna().sum())


if __name__ == "__main__":
    unittest.main(verbosity=2)
