"""ch12 and ch11 --predict with every path under a folder named "中文 目录", as a reader with a
Chinese user folder runs them. On a real Windows this checks what tests/test_any_path.py
simulates (OpenCV refusing non-ASCII paths); anywhere else it is a plain run.

    python .ci/chinese_paths.py
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from matplotlib import cbook

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> str:
    print("$ python", *args, flush=True)
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, encoding="utf-8")
    print(done.stdout[-1500:], done.stderr[-1500:], sep="\n", flush=True)
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(args)}")
    return done.stdout


def drawn_digit(path: Path) -> Path:
    """A 7 in black ink on a transparent canvas, as a drawing program saves it."""
    canvas = np.zeros((140, 140, 4), np.uint8)
    cv2.line(canvas, (30, 30), (110, 30), (0, 0, 0, 255), 12)
    cv2.line(canvas, (110, 30), (55, 120), (0, 0, 0, 255), 12)
    ok, data = cv2.imencode(".png", canvas)
    assert ok
    data.tofile(path)
    return path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        return check_under(Path(tmp) / "中文 目录")


def check_under(folder: Path) -> int:
    out = folder / "输出"
    folder.mkdir(parents=True)
    photo = Path(
        shutil.copy(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), folder / "照片.jpg")
    )
    run(str(ROOT / "ch12_image/image.py"), "--out-dir", str(out / "ch12"))
    run(
        str(ROOT / "ch12_image/image.py"),
        "--section",
        "12.3",
        "--image",
        str(photo),
        "--out-dir",
        str(out / "ch12"),
    )
    frames = list((out / "ch12" / "12.8_frames").glob("*.png"))
    assert len(frames) == 6, frames
    mnist = str(ROOT / "ch11_mnist/mnist.py")
    run(mnist, "--epochs", "1", "--limit", "300", "--no-figures", "--out-dir", str(out / "ch11"))
    answer = run(
        mnist,
        "--predict",
        str(drawn_digit(folder / "我的数字.png")),
        "--out-dir",
        str(out / "ch11"),
    )
    assert "我的数字.png" in answer and "p = " in answer, answer
    print(f"all paths under {folder} worked")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
