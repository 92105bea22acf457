"""Any path a reader has: a Chinese user folder on Windows, spaces, `~`. OpenCV on Windows cannot
open a non-ASCII path; the `windows_opencv` fixture (conftest.py) makes it behave that way here,
and ch12 and ch11 `--predict` must still work with everything under `中文 目录`."""

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from ch11_mnist import fast_recipe, mnist, own_data, support
from ch12_image import image as im

CHINESE = "中文 目录"


def test_the_simulation_refuses_what_windows_refuses(tmp_path, windows_opencv):
    folder = tmp_path / CHINESE
    folder.mkdir()
    assert not cv2.imwrite(str(folder / "a.png"), np.zeros((4, 4), np.uint8))
    assert cv2.imread(str(folder / "a.png")) is None
    assert not cv2.VideoCapture(str(folder / "v.avi")).isOpened()
    assert len(windows_opencv) == 3
    assert cv2.imwrite(str(tmp_path / "ascii.png"), np.zeros((4, 4), np.uint8))


@pytest.fixture
def chinese_folder(tmp_path):
    folder = tmp_path / CHINESE
    folder.mkdir()
    return folder


def test_ch12_with_no_arguments_in_a_chinese_folder(
    chinese_folder, windows_opencv, monkeypatch, capsys
):
    """No arguments, but Python (and so matplotlib's sample photo) under C:\\Users\\张三\\…"""
    photo = shutil.copy(im.support.sample_photo_path(), chinese_folder / "示例照片.jpg")
    monkeypatch.setattr(im.support, "sample_photo_path", lambda: photo)
    out_dir = chinese_folder / "输出"
    assert im.main(["--out-dir", str(out_dir)]) == 0, capsys.readouterr().err
    assert len(list((out_dir / "12.8_frames").glob("*.png"))) == 6
    assert (out_dir / "moving_square.avi").stat().st_size > 1000
    assert len(list(out_dir.glob("*.png"))) == 11  # one per figure of §12.2–12.9
    assert not list(out_dir.rglob(".tmp-*"))  # no temporary left behind


def test_ch12_image_and_video_with_chinese_names(chinese_folder, windows_opencv, capsys):
    photo = shutil.copy(im.support.sample_photo_path(), chinese_folder / "我的照片.jpg")
    video = im.write_moving_square_video(chinese_folder / "我的视频.avi", frames=12)
    assert im.count_frames(video) == 12
    for section in ("12.3", "12.8"):
        args = ["--section", section, "--image", str(photo), "--video", str(video)]
        assert im.main([*args, "--out-dir", str(chinese_folder / "图")]) == 0
    frames = sorted((chinese_folder / "图" / "12.8_frames").glob("*.png"))
    assert len(frames) == 3 and im.support.read_image(frames[0]).shape == (120, 160, 3)
    assert "§12.3" in capsys.readouterr().out


def test_ch12_a_failed_write_is_one_line(chinese_folder, monkeypatch):
    monkeypatch.setattr(cv2, "imencode", lambda ext, img, *a: (False, None))
    with pytest.raises(im.support.DataError, match="cannot encode"):
        im.support.write_image(chinese_folder / "x.png", np.zeros((4, 4), np.uint8))
    assert list(chinese_folder.iterdir()) == []


def _ink_on_paper(path, image28, alpha=False):
    """An MNIST digit drawn as dark ink, 5× larger; on white paper or on transparency."""
    big = cv2.resize(image28, (140, 140), interpolation=cv2.INTER_NEAREST)
    if alpha:  # a digit drawn on a transparent canvas: black ink, alpha = the ink
        rgba = np.zeros((140, 140, 4), np.uint8)
        rgba[:, :, 3] = big
        ok, data = cv2.imencode(".png", rgba)
    else:
        ok, data = cv2.imencode(".png", cv2.cvtColor(255 - big, cv2.COLOR_GRAY2BGR))
    assert ok
    data.tofile(path)
    return path


def test_transparent_png_is_read_as_a_viewer_shows_it(tmp_path):
    images, _ = mnist.load_mnist(support.find_mnist(support.REPO / "data")[0], "t10k")
    plain = own_data.preprocess_drawing(_ink_on_paper(tmp_path / "plain.png", images[0]))
    clear = own_data.preprocess_drawing(
        _ink_on_paper(tmp_path / "clear.png", images[0], alpha=True)
    )
    assert np.abs(plain.astype(int) - clear.astype(int)).max() <= 1
    assert np.corrcoef(images[0].ravel(), clear.ravel())[0, 1] > 0.8


def test_ch11_predict_under_a_chinese_folder(chinese_folder, windows_opencv, capsys):
    data_dir = chinese_folder / "数据"
    shutil.copytree(support.REPO / "data" / "samples", data_dir / "samples")
    out_dir = chinese_folder / "输出"
    common = ["--data-dir", str(data_dir), "--out-dir", str(out_dir)]
    assert fast_recipe.main([*common, "--epochs", "1", "--limit", "200", "--no-figures"]) == 0
    images, _ = mnist.load_mnist(data_dir / "samples" / "mnist", "t10k")
    drawing = _ink_on_paper(chinese_folder / "我的数字.png", images[0])
    capsys.readouterr()
    assert own_data.main(["--out-dir", str(out_dir), "--predict", str(drawing)]) == 0
    out = capsys.readouterr().out
    assert "我的数字.png" in out and "p = " in out


def _chapter_writers():
    from ch05_optim import optim
    from ch06_regression import regression
    from ch14_lstm import lstm
    from ch16_textcls import textcls

    return {
        "ch05": optim.support.write_atomic,
        "ch06": regression.support.write_atomic,
        "ch11": support.write_atomic,
        "ch14": lstm.support.write_atomic,
        "ch16": textcls.support.write_atomic,
    }


@pytest.mark.parametrize("chapter", ["ch05", "ch06", "ch11", "ch14", "ch16"])
def test_writers_retry_a_held_rename_and_never_leave_a_temporary(chapter, tmp_path, monkeypatch):
    """Windows: an indexer or antivirus holds a fresh file for a moment (PermissionError on the
    rename): retried. A write that fails leaves neither the file nor its temporary."""
    import os

    write_atomic = _chapter_writers()[chapter]
    folder = tmp_path / CHINESE
    real_replace, calls = os.replace, []

    def held_twice(src, dst):
        calls.append(src)
        if len(calls) <= 2:
            raise PermissionError(13, "held by another process")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", held_twice)
    path = write_atomic(folder / "图.png", lambda tmp: Path(tmp).write_bytes(b"png"))
    assert path.read_bytes() == b"png" and len(calls) == 3

    def broken(tmp):
        Path(tmp).write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(folder / "坏.png", broken)
    assert sorted(p.name for p in folder.iterdir()) == ["图.png"]
