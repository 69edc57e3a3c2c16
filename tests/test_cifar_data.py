"""The CIFAR-10 loader on tiny CIFAR-format folders and archives; the network is never touched."""

from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest
from cifar_fixtures import make_cifar_archive, make_cifar_folder

from hpobench import UserError
from hpobench.tasks import cifar_data
from hpobench.tasks.cifar_data import ARCHIVE, FOLDER, load_cifar10, md5sum


@pytest.fixture
def no_network(monkeypatch):
    """Every download fails as it would offline; returns the list of URLs asked for."""
    asked = []

    def offline(url, path, timeout=30.0):
        asked.append(url)
        raise OSError("network is unreachable")

    monkeypatch.setattr(cifar_data, "download", offline)
    return asked


def test_a_cifar_folder_is_read_as_uint8_images_and_labels(tmp_path):
    make_cifar_folder(tmp_path, per_batch=12, test=20)
    x, y, x_test, y_test = load_cifar10(tmp_path)
    assert x.shape == (60, 3, 32, 32) and x.dtype == np.uint8 and y.shape == (60,)
    assert x_test.shape == (20, 3, 32, 32) and y_test.dtype == np.int64 and y.min() >= 0 and y.max() <= 9
    again = load_cifar10(tmp_path / FOLDER)  # data_dir may also name the batches folder itself
    assert all(np.array_equal(a, b) for a, b in zip((x, y, x_test, y_test), again))


def test_an_archive_is_verified_and_extracted(tmp_path, monkeypatch, no_network):
    archive = make_cifar_archive(tmp_path / "data" / ARCHIVE, tmp_path / "scratch")
    monkeypatch.setattr(cifar_data, "MD5", md5sum(archive))
    x, _, x_test, _ = load_cifar10(tmp_path / "data")
    assert len(x) == 60 and len(x_test) == 20 and (tmp_path / "data" / FOLDER / "test_batch").exists()
    assert no_network == []  # the archive was there: nothing downloaded


def test_a_missing_archive_is_downloaded_then_verified(tmp_path, monkeypatch):
    source = make_cifar_archive(tmp_path / "source.tar.gz", tmp_path / "scratch")
    monkeypatch.setattr(cifar_data, "MD5", md5sum(source))
    monkeypatch.setattr(cifar_data, "download", lambda url, path, timeout=30.0: shutil.copy(source, path))
    x, *_ = load_cifar10(tmp_path / "cache")
    assert len(x) == 60 and (tmp_path / "cache" / ARCHIVE).exists()


def test_a_checksum_mismatch_is_a_clear_error(tmp_path, no_network):
    archive = make_cifar_archive(tmp_path / ARCHIVE, tmp_path / "scratch")  # not the official MD5
    with pytest.raises(UserError, match=r"has MD5 [0-9a-f]{32}, not the official c58f30108f718f92721af3b95e74349a"):
        load_cifar10(tmp_path)
    with pytest.raises(UserError) as error:
        load_cifar10(tmp_path)
    assert str(error.value).startswith(f"{archive} has MD5")
    assert not (tmp_path / FOLDER).exists()


def test_a_corrupt_archive_is_a_clear_error_and_leaves_no_half_folder(tmp_path, monkeypatch, no_network):
    archive = make_cifar_archive(tmp_path / ARCHIVE, tmp_path / "scratch", corrupt=True)
    monkeypatch.setattr(cifar_data, "MD5", md5sum(archive))  # right checksum, broken content
    with pytest.raises(UserError, match="is corrupt and could not be extracted"):
        load_cifar10(tmp_path)
    assert not (tmp_path / FOLDER).exists()


def test_offline_without_data_is_one_sentence_naming_the_file_and_folder(tmp_path, no_network):
    with pytest.raises(UserError) as error:
        load_cifar10(tmp_path / "empty")
    message = str(error.value)
    assert no_network == [cifar_data.URL]
    assert ARCHIVE in message and str(tmp_path / "empty") in message and "network is unreachable" in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert not (tmp_path / "empty").exists()  # no partial download, no folder left


def test_a_batch_that_would_run_code_is_refused(tmp_path):
    make_cifar_folder(tmp_path)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (tmp_path / FOLDER / "data_batch_3").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(UserError, match="data_batch_3 is not a readable CIFAR-10 batch"):
        load_cifar10(tmp_path)


def test_offline_with_the_default_cache_leaves_no_empty_cache_folders(tmp_path, monkeypatch, no_network):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    with pytest.raises(UserError):
        load_cifar10(None)
    assert no_network == [cifar_data.URL]
    assert list(home.iterdir()) == []  # neither ~/.cache/hpobench/cifar10 nor ~/.cache/hpobench nor ~/.cache
