"""WikiText-2 files: published sizes, digests and token counts; verified downloads that never leave
a corrupt or partial file under a final name (served from a local HTTP server, no network needed)."""
import hashlib
import http.server
import io
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from rnnattr.data import read_tokens, synthetic_corpus, wikitext2
from rnnattr.data.wikitext2 import Archive, SplitFile

SHARED = wikitext2.SHARED_FOLDER  # ../shared/data/wikitext-2 beside the checkout
needs_shared = pytest.mark.skipif(not (SHARED / "valid.txt").is_file(),
                                  reason=f"{SHARED} (WikiText-2 valid/test) is absent on this machine")
SPLITS = ("train", "valid", "test")


# ---------------------------------------------------------------- the real files (shared folder)

@needs_shared
@pytest.mark.parametrize("split", ["valid", "test"])
def test_shared_splits_verify_and_have_published_token_counts(split):
    path = wikitext2.verify(wikitext2.find_split(SHARED, split), split)
    assert path.stat().st_size == wikitext2.FILES[split].n_bytes
    assert len(read_tokens(path)) == wikitext2.FILES[split].n_tokens == {"valid": 217_646, "test": 245_569}[split]


@needs_shared
def test_locate_finds_the_shared_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNATTR_DATA", str(tmp_path))  # an empty cache
    monkeypatch.setattr(wikitext2, "SHARED_FOLDER", SHARED)  # wherever this checkout lies
    assert wikitext2.locate().resolve() == SHARED.resolve()
    assert wikitext2.locate(("train", "valid")) is None  # the shared folder has no training split


@needs_shared
def test_verify_catches_one_flipped_byte(tmp_path):
    copy = tmp_path / "valid.txt"
    shutil.copyfile(SHARED / "valid.txt", copy)
    assert wikitext2.verify(copy, "valid") == copy
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    os.utime(copy, ns=(0, 10**9))  # a different mtime: the in-process cache must not hide the change
    with pytest.raises(ValueError, match=r"valid\.txt: expected sha256 f0737ed.*corrupt"):
        wikitext2.verify(copy, "valid")
    assert copy.stat().st_size == wikitext2.FILES["valid"].n_bytes  # left in place
    copy.write_bytes(bytes(data[:-1]))
    with pytest.raises(ValueError, match="expected 1121681 bytes .* got 1121680"):
        wikitext2.verify(copy, "valid")


def test_published_records():
    assert {split: record.n_bytes for split, record in wikitext2.FILES.items()} == {
        "train": 10_797_148, "valid": 1_121_681, "test": 1_256_449}
    assert wikitext2.FILES["train"].digest_algorithm == "sha1"
    assert set(wikitext2.ARCHIVE.members) == set(SPLITS)
    with pytest.raises(AttributeError):
        wikitext2.FILES["valid"].n_bytes = 0


# ---------------------------------------------------------------- downloads of a fake archive

@pytest.fixture
def fake(tmp_path, monkeypatch):
    """Tiny stand-ins for the three files and their zip, with the module's records patched to them."""
    texts = {split: "\n".join(synthetic_corpus(20 + 10 * i, seed=i)).encode() + b"\n"
             for i, split in enumerate(SPLITS)}
    records = {split: SplitFile(split, len(data), algorithm, hashlib.new(algorithm, data).hexdigest(), 0)
               for (split, data), algorithm in zip(texts.items(), ("sha1", "sha256", "sha256"))}
    archive = _zip({f"wikitext-2/wiki.{split}.tokens": data for split, data in texts.items()})
    monkeypatch.setattr(wikitext2, "FILES", records)
    monkeypatch.setattr(wikitext2, "ARCHIVE", Archive(
        "wikitext-2-v1.zip", hashlib.sha256(archive).hexdigest(),
        {split: f"wikitext-2/wiki.{split}.tokens" for split in SPLITS}, ()))
    monkeypatch.setattr(wikitext2, "FILE_URLS", ())
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return texts, archive


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


class _Server:
    """A local HTTP server: ``files[path] = bytes`` publishes a file; a path prefixed with
    ``/truncated`` announces the full length but closes the connection halfway."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        files = self.files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                truncated = self.path.startswith("/truncated/")
                data = files.get(self.path.removeprefix("/truncated"))
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2] if truncated else data)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server():
    served = _Server()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


def _assert_nothing_left(folder: Path):
    assert not folder.exists() or sorted(p.name for p in folder.iterdir()) == []


def test_download_lands_verified_files_under_final_names(fake, server, tmp_path):
    texts, archive = fake
    server.files["/wikitext-2-v1.zip"] = archive
    folder = tmp_path / "data"
    paths = wikitext2.download(folder, urls=[server.url("/wikitext-2-v1.zip")])
    assert paths == {split: folder / f"{split}.txt" for split in SPLITS}
    assert all(paths[split].read_bytes() == texts[split] for split in SPLITS)
    assert sorted(p.name for p in folder.iterdir()) == ["test.txt", "train.txt", "valid.txt"]  # no .partial
    assert wikitext2.download(folder, urls=[]) == paths  # present and valid: nothing fetched


def test_download_per_file_route_and_file_urls(fake, server, tmp_path):
    texts, archive = fake
    for split in SPLITS:
        server.files[f"/files/{split}.txt"] = texts[split]
    paths = wikitext2.download(tmp_path / "a", ("valid", "test"), urls=[server.url("/files/{split}.txt")])
    assert paths["test"].read_bytes() == texts["test"] and sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "test.txt", "valid.txt"]
    (tmp_path / "archive.zip").write_bytes(archive)
    paths = wikitext2.download(tmp_path / "b", ("train",), urls=[(tmp_path / "archive.zip").as_uri()])
    assert paths["train"].read_bytes() == texts["train"]


def test_corrupt_archive_raises_and_leaves_nothing(fake, server, tmp_path, monkeypatch):
    texts, _ = fake
    bad = _zip({f"wikitext-2/wiki.{split}.tokens": texts[split].replace(b"the", b"teh") for split in SPLITS})
    server.files["/bad.zip"] = bad
    folder = tmp_path / "data"
    with pytest.raises(RuntimeError, match=r"/bad\.zip: ValueError: expected sha256"):
        wikitext2.download(folder, urls=[server.url("/bad.zip")])
    _assert_nothing_left(folder)
    # an archive whose own digest matches but whose members do not: the per-file check catches it
    monkeypatch.setattr(wikitext2, "ARCHIVE", Archive("wikitext-2-v1.zip", hashlib.sha256(bad).hexdigest(),
                                                      wikitext2.ARCHIVE.members, ()))
    with pytest.raises(RuntimeError, match="corrupt or a different version"):
        wikitext2.download(folder, ("valid",), urls=[server.url("/bad.zip")])
    _assert_nothing_left(folder)


def test_corrupt_single_file_raises_and_leaves_nothing(fake, server, tmp_path):
    texts, _ = fake
    server.files["/files/valid.txt"] = texts["valid"][:-2] + b"x\n"  # same size, one byte changed
    folder = tmp_path / "data"
    with pytest.raises(RuntimeError, match=r"files/valid\.txt: ValueError: .*expected sha256"):
        wikitext2.download(folder, ("valid",), urls=[server.url("/files/{split}.txt")])
    _assert_nothing_left(folder)


def test_interrupted_download_leaves_nothing_under_a_final_name(fake, server, tmp_path):
    texts, archive = fake
    server.files["/wikitext-2-v1.zip"] = archive
    server.files["/files/test.txt"] = texts["test"]
    folder = tmp_path / "data"
    with pytest.raises(RuntimeError, match=r"truncated/wikitext-2-v1\.zip: OSError: interrupted: got \d+ of"):
        wikitext2.download(folder, urls=[server.url("/truncated/wikitext-2-v1.zip")])
    _assert_nothing_left(folder)
    with pytest.raises(RuntimeError, match="interrupted"):
        wikitext2.download(folder, ("test",), urls=[server.url("/truncated/files/{split}.txt")])
    _assert_nothing_left(folder)


def test_fallback_url_is_used_when_the_first_fails(fake, server, tmp_path, monkeypatch):
    texts, archive = fake
    server.files["/mirror/wikitext-2-v1.zip"] = archive
    server.files["/files/train.txt"] = texts["train"]
    good, missing = server.url("/mirror/wikitext-2-v1.zip"), server.url("/gone/wikitext-2-v1.zip")
    paths = wikitext2.download(tmp_path / "a", ("valid",), urls=[missing, good])
    assert paths["valid"].read_bytes() == texts["valid"]
    # the default sources come from the records: archive URLs first, then the per-file URLs
    monkeypatch.setattr(wikitext2, "ARCHIVE", Archive("wikitext-2-v1.zip", wikitext2.ARCHIVE.sha256,
                                                      wikitext2.ARCHIVE.members, (missing,)))
    monkeypatch.setattr(wikitext2, "FILE_URLS", (server.url("/files/{split}.txt"),))
    paths = wikitext2.download(tmp_path / "b", ("train",))
    assert paths["train"].read_bytes() == texts["train"]


def test_all_urls_failing_lists_each_url_and_its_error(fake, server, tmp_path):
    urls = [server.url("/gone.zip"), "http://127.0.0.1:9/closed.zip", server.url("/gone/{split}.txt")]
    with pytest.raises(RuntimeError) as caught:
        wikitext2.download(tmp_path / "data", ("valid", "test"), urls=urls, timeout=5)
    message = str(caught.value)
    for url in (urls[0], urls[1], server.url("/gone/valid.txt"), server.url("/gone/test.txt")):
        assert url in message
    assert "404" in message and "['valid', 'test']" in message
    _assert_nothing_left(tmp_path / "data")


def test_present_but_corrupt_file_is_reported_not_replaced(fake, tmp_path):
    texts, _ = fake
    (tmp_path / "wiki.valid.tokens").write_bytes(texts["valid"] + b"extra")
    with pytest.raises(ValueError, match=r"wiki\.valid\.tokens: expected \d+ bytes"):
        wikitext2.download(tmp_path, ("valid",), urls=[])
    assert (tmp_path / "wiki.valid.tokens").read_bytes() == texts["valid"] + b"extra"
    with pytest.warns(UserWarning, match="skipping"):
        assert wikitext2.locate(("valid",), folder=tmp_path) is None


def test_missing_file_error_names_the_file_and_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        wikitext2.find_split(tmp_path, "train")
    message = str(caught.value)
    for fragment in (str(tmp_path), "train.txt", "wiki.train.tokens", "rnnattr.data.wikitext2.download(folder)",
                     "wikitext-2-v1.zip", "training split is unavailable"):
        assert fragment in message
    (tmp_path / "wiki.train.tokens").write_text("x")
    assert wikitext2.find_split(tmp_path, "train") == tmp_path / "wiki.train.tokens"


def test_locate_searches_the_cache_and_downloads_when_asked(fake, server, tmp_path, monkeypatch):
    texts, archive = fake
    server.files["/wikitext-2-v1.zip"] = archive
    cache = tmp_path / "cache"
    monkeypatch.setenv("RNNATTR_DATA", str(cache))
    monkeypatch.setattr(wikitext2, "SHARED_FOLDER", tmp_path / "no-shared")
    monkeypatch.setattr(wikitext2, "ARCHIVE", Archive("wikitext-2-v1.zip", wikitext2.ARCHIVE.sha256,
                                                      wikitext2.ARCHIVE.members, (server.url("/wikitext-2-v1.zip"),)))
    assert wikitext2.default_cache() == cache
    assert wikitext2.locate() is None
    assert wikitext2.locate(download_missing=True) == cache
    assert sorted(p.name for p in cache.iterdir()) == ["test.txt", "valid.txt"]
    assert wikitext2.locate(("test",)) == cache
    monkeypatch.delenv("RNNATTR_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert wikitext2.default_cache() == tmp_path / "home" / ".cache" / "rnnattr" / "wikitext-2"


def test_bad_arguments_are_rejected_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="splits"):
        wikitext2.download(tmp_path / "x", ("training",))
    with pytest.raises(ValueError, match="splits"):
        wikitext2.locate("valid")
    with pytest.raises(ValueError, match="timeout"):
        wikitext2.download(tmp_path / "x", ("valid",), timeout=0)
    with pytest.raises(ValueError, match="splits"):
        wikitext2.verify(tmp_path / "x", "dev")
    assert not (tmp_path / "x").exists()
