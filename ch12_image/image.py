"""第12章 图像处理 — §12.2–12.9 with scipy.ndimage and OpenCV, on images every reader has.

The book's own files (lena.png, a map of China, contour.jpg, chess_board.png, flower.jpg, an mp4)
are not distributed with it. Here the photo is matplotlib's sample `grace_hopper.jpg`, and the
other inputs are drawn by the code, so each section's right answer is known by construction
and printed beside what OpenCV/scipy found.

    python ch12_image/image.py                       # every section, PNGs in outputs/ch12/
    python ch12_image/image.py --section 12.5        # one section
    python ch12_image/image.py --image my.jpg        # your own photo for 12.3/12.4/12.7
    python ch12_image/image.py --video my.mp4        # your own video for 12.8
"""

import argparse
import math
import sys
import timeit
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch12"


# ================================================================ §12.2 热点图 heat map


def heat_map(seed=0, shape=(300, 400), clusters=20, per_cluster=200, sigma=10.0):
    """Clustered random points → np.histogram2d counts → scipy.ndimage.gaussian_filter."""
    rng = np.random.default_rng(seed)
    h, w = shape
    xs, ys = [], []
    for _ in range(clusters):
        mean = (rng.uniform(60, w - 60), rng.uniform(60, h - 60))  # away from the border
        a, b = 50 + rng.integers(50, 200), 50 + rng.integers(50, 200)
        c = (a + b) * rng.normal() * 0.2
        cov = [[a, c], [c, b]]
        x, y = rng.multivariate_normal(mean, cov, size=per_cluster, check_valid="ignore").T
        xs.append(x)
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys)
    hist, _, _ = np.histogram2d(x, y, bins=(np.arange(0, w + 1), np.arange(0, h + 1)))
    hist = hist.T  # histogram2d puts x on the first axis; images want rows = y
    heat = ndimage.gaussian_filter(hist, sigma)
    return hist, heat


def outline_map(shape=(300, 400), seed=0) -> np.ndarray:
    """A stand-in for the book's map of China (not distributed): a white page with the black
    outline of an irregular 'country', as a BGR image."""
    rng = np.random.default_rng(seed)
    h, w = shape
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    radius = 1 + 0.15 * rng.standard_normal(len(angles))
    pts = np.stack(
        [w / 2 + 0.42 * w * radius * np.cos(angles), h / 2 + 0.42 * h * radius * np.sin(angles)],
        axis=1,
    )
    page = np.full((h, w, 3), 255, np.uint8)
    cv2.polylines(page, [np.round(pts).astype(np.int32)], True, (0, 0, 0), 2)
    return page


def overlay_heat(base_bgr: np.ndarray, heat: np.ndarray, cmap="inferno"):
    """§12.2's last step: the heat map's alpha channel follows its value, so it is see-through
    where nothing happens and opaque at the hottest point. Returns (RGB float image, alpha)."""
    from matplotlib import colormaps

    alpha = heat / heat.max()
    colours = colormaps[cmap](alpha)[..., :3]
    base = cv2.cvtColor(base_bgr, cv2.COLOR_BGR2RGB).astype(float) / 255
    return base * (1 - alpha[..., None]) + colours * alpha[..., None], alpha


def total_variation(a: np.ndarray) -> float:
    return float(np.abs(np.diff(a, axis=0)).sum() + np.abs(np.diff(a, axis=1)).sum())


def book_covariance_warns(runs: int = 400, clusters: int = 100, seed: int = 0) -> float:
    """Share of runs of §12.2's loop (100 clusters, its a, b, c draws) in which at least one
    covariance [[a, c], [c, b]] is not positive-semidefinite (c² > a·b): numpy then warns
    "covariance is not symmetric positive-semidefinite". heat_map passes check_valid="ignore"."""
    rng = np.random.default_rng(seed)
    a = 50 + rng.integers(50, 200, (runs, clusters))
    b = 50 + rng.integers(50, 200, (runs, clusters))
    c = (a + b) * rng.normal(size=(runs, clusters)) * 0.2
    return float((c**2 > a * b).any(axis=1).mean())


def book_histogram_shape(shape=(300, 400)) -> tuple[int, int]:
    """§12.2's bins=(np.arange(0, w), np.arange(0, h)): w edges make w − 1 bins, so the count map
    is one row and one column short of the picture (heat_map uses w + 1 edges)."""
    h, w = shape
    hist, _, _ = np.histogram2d([], [], bins=(np.arange(0, w), np.arange(0, h)))
    return hist.T.shape


def sigma_table(hist, sigmas=(5.0, 10.0, 20.0)) -> list[tuple[float, float, float, float]]:
    """§12.2: "这个值越大，曲面的影响范围越大，最终的热点图也越平滑". For each σ on the same
    counts: (σ, peak, share of the map at half the peak or more, total variation)."""
    rows = []
    for sigma in sigmas:
        heat = ndimage.gaussian_filter(hist, sigma)
        rows.append(
            (
                sigma,
                float(heat.max()),
                float((heat >= heat.max() / 2).mean()),
                total_variation(heat),
            )
        )
    return rows


def print_section_12_2(out_dir: Path) -> None:
    hist, heat = heat_map()
    ratio = heat.sum() / hist.sum()
    smoother = total_variation(heat) / total_variation(hist)
    base = outline_map(hist.shape)
    overlay, alpha = overlay_heat(base, heat)
    hottest = np.unravel_index(heat.argmax(), heat.shape)
    cold = alpha < 1e-3
    base_rgb = cv2.cvtColor(base, cv2.COLOR_BGR2RGB) / 255
    png = support.save_side_by_side(
        out_dir / "12.2_heatmap.png",
        "§12.2 heat map",
        [
            ("np.histogram2d counts", hist),
            ("gaussian_filter sigma=10", heat),
            (
                "over a map (alpha = heat / max)",
                cv2.cvtColor(np.round(overlay * 255).astype(np.uint8), cv2.COLOR_RGB2BGR),
            ),
        ],
        cmap="inferno",
    )
    print(
        f"§12.2 {int(hist.sum())} 个点 points; 滤波后/前总和 sum after filter / before = "
        f"{ratio:.5f}; 总变差 total variation ×{smoother:.3f}"
    )
    print(
        f"      叠加 overlay: 最热点不透明 alpha at the hottest pixel {alpha[hottest]:.3f}; "
        f"{cold.mean():.1%} of the map see-through (alpha < 0.001), equal to the base there: "
        f"{bool(np.allclose(overlay[cold], base_rgb[cold], atol=1e-3))}  "
        f"(书中的中国地图未随书发布 the book's map of China is not distributed: "
        f"a drawn outline stands in)  → {png}"
    )
    short = book_histogram_shape(hist.shape)
    print(
        f"      书中的协方差 the book's random covariance is not positive-semidefinite in "
        f"{book_covariance_warns():.0%} of its runs (numpy warns; heat_map passes "
        f"check_valid='ignore'); its bins=np.arange(0, w) count a {short[0]}×{short[1]} map for "
        f"a {hist.shape[0]}×{hist.shape[1]} picture (heat_map: w + 1 edges)"
    )
    print(
        "      σ 越大 larger σ: wider and smoother (peak, share ≥ half the peak, total variation)"
    )
    for sigma, peak, wide, tv in sigma_table(hist):
        print(f"        σ {sigma:>4g}  peak {peak:.3f}  {wide:6.1%}  TV {tv:.1f}")


# ================================================================ §12.3 高斯滤波 Gaussian blur


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * math.log10(255**2 / mse)


def add_noise(image: np.ndarray, std=20.0, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, std, image.shape), 0, 255).astype(np.uint8)


def blur_table(clean, noisy, sizes=(3, 5, 9), sigmas=(0.8, 1.5, 3.0)) -> list[tuple]:
    """(ksize, sigma, PSNR of the blurred noisy image against the clean one)."""
    return [(k, s, psnr(cv2.GaussianBlur(noisy, (k, k), s), clean)) for k in sizes for s in sigmas]


def book_gaussian_call_is_plain(image) -> bool:
    """The book calls GaussianBlur(src, (K, K), SIGMA, KSIZE): the 4th positional is `dst`.

    The int lands on dst, which OpenCV replaces by a new output: sigmaY stays 0 (= sigmaX)."""
    book = cv2.GaussianBlur(image, (3, 3), 3, 3)
    return bool(np.array_equal(book, cv2.GaussianBlur(image, (3, 3), sigmaX=3, sigmaY=3)))


def separable_blur(gray, ksize: int = 9, sigma: float = 3.0) -> dict:
    """§12.3: the Gaussian kernel is the outer product of two 1-D kernels, so one M×M filter is
    two M-tap passes: M² multiply-adds per pixel become 2M (the book's O(M×M×N) → O(2×M×N),
    M the filter's size and N the number of pixels; the book names them the other way round)."""
    g = cv2.getGaussianKernel(ksize, sigma)
    kernel = g @ g.T  # the M×M kernel the two passes stand for
    image = gray.astype(np.float32)
    full, separable = cv2.filter2D(image, -1, kernel), cv2.sepFilter2D(image, -1, g, g)

    def best_ms(call) -> float:  # the fastest of 5 rounds of 10 calls: the first calls warm up
        return min(timeit.repeat(call, number=10, repeat=5)) / 10 * 1e3

    full_ms = best_ms(lambda: cv2.filter2D(image, -1, kernel))
    separable_ms = best_ms(lambda: cv2.sepFilter2D(image, -1, g, g))
    pixels = gray.size
    return dict(
        max_difference=float(np.abs(full - separable).max()),
        full_multiply_adds=ksize * ksize * pixels,
        separable_multiply_adds=2 * ksize * pixels,
        full_ms=full_ms,
        separable_ms=separable_ms,
    )


def print_section_12_3(image_path: Path, out_dir: Path) -> None:
    clean = cv2.cvtColor(support.read_image(image_path), cv2.COLOR_BGR2GRAY)
    noisy = add_noise(clean)
    blurred = cv2.GaussianBlur(noisy, (5, 5), 1.5)
    print(
        f"§12.3 Gaussian blur: PSNR noisy {psnr(noisy, clean):.2f} dB → blurred (5×5, σ=1.5) "
        f"{psnr(blurred, clean):.2f} dB"
    )
    for k, s, p in blur_table(clean, noisy):
        print(f"      ksize {k}  σ {s:<4}  PSNR {p:.2f} dB")
    print(
        f"      the book's GaussianBlur(src, (3,3), 3, KSIZE): KSIZE lands on dst and is "
        f"ignored (same result: {book_gaussian_call_is_plain(clean)})"
    )
    sep = separable_blur(clean)
    print(
        f"      可分离 separable 9×9: two 9-tap passes {sep['separable_multiply_adds']:,} "
        f"multiply-adds vs {sep['full_multiply_adds']:,} for the 2-D kernel "
        f"({sep['full_multiply_adds'] / sep['separable_multiply_adds']:.1f}×), max difference "
        f"{sep['max_difference']:.1e}; time {sep['full_ms']:.2f} ms vs {sep['separable_ms']:.2f} ms (best of 5)"
    )
    support.save_side_by_side(
        out_dir / "12.3_gaussian.png",
        "§12.3 Gaussian blur",
        [("noisy", noisy), ("GaussianBlur 5×5 σ=1.5", blurred)],
    )


# ================================================================ §12.4 图片翻转 rotation and flips


def rotate(image, angle, scale=1.0, center=None):
    h, w = image.shape[:2]
    center = center if center is not None else ((w - 1) / 2, (h - 1) / 2)  # pixel centres
    matrix = cv2.getRotationMatrix2D(center, angle, scale)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_NEAREST)


def book_rotation_scale(h, w, angle) -> float:
    """§12.4's scale: 1, or max/min for multiples of 90°, else diagonal/min (it magnifies)."""
    if angle % 180 == 0:
        return 1.0
    if angle % 90 == 0:
        return max(h, w) / min(h, w)
    return math.hypot(h, w) / min(h, w)


def fits_after_rotation(image, angle, scale) -> float:
    """Share of the image's pixels still inside the frame after rotating with `scale`."""
    ones = np.ones(image.shape[:2], np.uint8)
    h, w = ones.shape
    matrix = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), angle, scale)
    kept = cv2.warpAffine(ones, matrix, (w, h), flags=cv2.INTER_NEAREST).sum()
    return float(kept / (ones.sum() * scale**2))


def flips_agree_with_numpy(image) -> dict[str, bool]:
    return {
        "flip 0 = np.flipud": np.array_equal(cv2.flip(image, 0), np.flipud(image)),
        "flip 1 = np.fliplr": np.array_equal(cv2.flip(image, 1), np.fliplr(image)),
        "flip -1 = np.flip(both)": np.array_equal(cv2.flip(image, -1), np.flip(image, (0, 1))),
        "cv2.rotate 90 CCW = np.rot90": np.array_equal(
            cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), np.rot90(image)
        ),
    }


def print_section_12_4(image_path: Path, out_dir: Path) -> None:
    image = support.read_image(image_path)
    h, w = image.shape[:2]
    book_scale = book_rotation_scale(h, w, 60)
    fit_scale = 1 / book_scale
    checks = flips_agree_with_numpy(image)
    print(
        f"§12.4 rotation 60°: book scale {book_scale:.3f} keeps "
        f"{fits_after_rotation(image, 60, book_scale):.0%} of the picture, scale "
        f"{fit_scale:.3f} keeps {fits_after_rotation(image, 60, fit_scale):.0%}; "
        + ", ".join(f"{k}: {v}" for k, v in checks.items())
    )
    support.save_side_by_side(
        out_dir / "12.4_rotate.png",
        "§12.4 rotation and flips",
        [
            ("original", image),
            (f"60°, book scale {book_scale:.2f}", rotate(image, 60, book_scale)),
            (f"60°, scale {fit_scale:.2f}", rotate(image, 60, fit_scale)),
            ("cv2.flip(img, -1)", cv2.flip(image, -1)),
        ],
    )


# ================================================================ §12.5 轮廓检测 contours


def shapes_image() -> tuple[np.ndarray, int, int]:
    """White filled shapes on black: 4 outlines, 3 of the holes. Returns (image, outlines, holes)."""
    img = np.zeros((300, 400), np.uint8)
    cv2.rectangle(img, (20, 20), (140, 120), 255, -1)
    cv2.rectangle(img, (50, 50), (110, 90), 0, -1)  # hole 1
    cv2.circle(img, (250, 70), 50, 255, -1)
    triangle = np.array([[40, 280], [140, 280], [90, 170]], np.int32)
    cv2.fillPoly(img, [triangle], 255)
    cv2.rectangle(img, (200, 160), (380, 280), 255, -1)
    cv2.circle(img, (250, 220), 25, 0, -1)  # hole 2
    cv2.circle(img, (330, 220), 25, 0, -1)  # hole 3
    return img, 4, 3


def find_contours(binary, mode):
    """OpenCV 3.x returned (image, contours, hierarchy); 2.4 and 4+ return two values."""
    result = cv2.findContours(binary, mode, cv2.CHAIN_APPROX_SIMPLE)
    return result[-2:]


def contour_counts(binary) -> dict:
    before = binary.copy()
    external, _ = find_contours(binary, cv2.RETR_EXTERNAL)
    tree, hierarchy = find_contours(binary, cv2.RETR_TREE)
    parents = hierarchy[0][:, 3]  # [next, previous, first_child, parent]
    return dict(
        external=len(external),
        tree=len(tree),
        outlines=int((parents == -1).sum()),
        holes=int((parents != -1).sum()),
        input_unchanged=np.array_equal(before, binary),
        rectangle_points=min(len(c) for c in external),
    )


# §12.5's other modes and methods, on the same picture
CONTOUR_MODES = {
    "RETR_EXTERNAL": cv2.RETR_EXTERNAL,
    "RETR_LIST": cv2.RETR_LIST,
    "RETR_CCOMP": cv2.RETR_CCOMP,
    "RETR_TREE": cv2.RETR_TREE,
}


def contour_modes(binary) -> dict:
    """Per mode: contours found, and the hierarchy's levels (RETR_LIST builds none: every parent
    is -1; RETR_CCOMP two: outlines on top, holes under them). Per method: the points kept for
    the largest rectangle (CHAIN_APPROX_NONE every boundary pixel, SIMPLE its 4 corners)."""
    modes = {}
    for name, mode in CONTOUR_MODES.items():
        contours, hierarchy = cv2.findContours(binary, mode, cv2.CHAIN_APPROX_SIMPLE)
        parents = hierarchy[0][:, 3]
        modes[name] = dict(found=len(contours), top_level=int((parents == -1).sum()))
    points = {}
    for name in ("CHAIN_APPROX_NONE", "CHAIN_APPROX_SIMPLE"):
        contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, getattr(cv2, name))
        points[name] = len(max(contours, key=cv2.contourArea))
    returned = cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
    return dict(
        modes=modes,
        points=points,
        returns=f"{type(returned).__name__} of {len(returned)}",
        contours_type=type(returned[0]).__name__,
    )


def print_section_12_5(out_dir: Path) -> None:
    binary, outlines, holes = shapes_image()
    counts = contour_counts(binary)
    contours, _ = find_contours(binary, cv2.RETR_TREE)
    drawn = cv2.cvtColor(binary, cv2.COLOR_GRAY2BGR)
    cv2.drawContours(drawn, contours, -1, (0, 0, 255), 2)
    print(
        f"§12.5 contours: RETR_EXTERNAL {counts['external']} (drawn {outlines}), RETR_TREE "
        f"{counts['tree']} = {counts['outlines']} outlines + {counts['holes']} holes "
        f"(drawn {holes}); input unchanged: {counts['input_unchanged']}"
    )
    facts = contour_modes(binary)
    print(
        "      modes 检索模式: "
        + ", ".join(
            f"{name} {m['found']} ({m['top_level']} top-level)"
            for name, m in facts["modes"].items()
        )
    )
    print(
        f"      method 近似: the large rectangle keeps {facts['points']['CHAIN_APPROX_NONE']} points "
        f"with CHAIN_APPROX_NONE, {facts['points']['CHAIN_APPROX_SIMPLE']} with SIMPLE; "
        f"findContours returns a {facts['returns']} (contours: a {facts['contours_type']}, "
        "not the list the book says)"
    )
    support.save_side_by_side(
        out_dir / "12.5_contours.png",
        "§12.5 findContours (RETR_TREE)",
        [("binary input", binary), ("contours", drawn)],
    )


# ================================================================ §12.6 角点 corners


def chessboard(cols=8, rows=6, square=40) -> np.ndarray:
    """cols×rows squares filling the image (no margin): (cols-1)·(rows-1) inner corners."""
    yy, xx = np.mgrid[0 : rows * square, 0 : cols * square]
    return np.where((yy // square + xx // square) % 2 == 0, 0, 255).astype(np.uint8)


def inner_corners(cols=8, rows=6, square=40) -> np.ndarray:
    """True positions (x, y) of the inner corners, in pixel-centre coordinates."""
    return np.array(
        [(c * square - 0.5, r * square - 0.5) for r in range(1, rows) for c in range(1, cols)]
    )


def harris_corners(gray, block_size=2, ksize=3, k=0.04, rel_threshold=0.01):
    """cornerHarris → response > rel·max → one point per connected blob (its centroid)."""
    response = cv2.cornerHarris(np.float32(gray), block_size, ksize, k)
    mask = (response > rel_threshold * response.max()).astype(np.uint8)
    n, _, _, centroids = cv2.connectedComponentsWithStats(mask)
    return response, centroids[1:]  # label 0 is the background


def match_errors(found: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Distance from each true corner to the nearest found point."""
    if len(found) == 0:
        return np.full(len(truth), np.inf)
    d = np.linalg.norm(truth[:, None, :] - found[None, :, :], axis=2)
    return d.min(axis=1)


def chessboard_subpixel(gray, pattern=(7, 5), margin=40) -> np.ndarray | None:
    """findChessboardCorners needs a light quiet zone around the board: pad, find, refine."""
    padded = cv2.copyMakeBorder(
        gray, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255
    )
    ok, corners = cv2.findChessboardCorners(padded, pattern)
    if not ok:
        return None
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 1e-3)
    corners = cv2.cornerSubPix(padded, corners, (5, 5), (-1, -1), criteria)
    return corners.reshape(-1, 2) - margin


def print_section_12_6(out_dir: Path) -> None:
    board = chessboard()
    truth = inner_corners()
    response, found = harris_corners(board)
    err = match_errors(found, truth)
    sub = chessboard_subpixel(board)
    sub_err = match_errors(sub, truth) if sub is not None else np.array([np.inf])
    book_response, book_found = harris_corners(board, block_size=2, ksize=23)
    book_err = match_errors(book_found, truth)
    area_ratio = (book_response > 0.01 * book_response.max()).sum() / (
        response > 0.01 * response.max()
    ).sum()
    print(
        f"§12.6 corners: Harris(2, 3) found {len(found)} (true {len(truth)}), max error "
        f"{err.max():.2f} px; findChessboardCorners+cornerSubPix {0 if sub is None else len(sub)}"
        f", max error {sub_err.max():.2f} px; book's Harris(2, 23): {len(book_found)} blobs, "
        f"max error {book_err.max():.2f} px, marked area ×{area_ratio:.1f}"
    )
    marked = cv2.cvtColor(board, cv2.COLOR_GRAY2BGR)
    for x, y in found:
        cv2.circle(marked, (round(x), round(y)), 5, (0, 0, 255), 2)
    book_marked = cv2.cvtColor(board, cv2.COLOR_GRAY2BGR)
    book_marked[book_response > 0.01 * book_response.max()] = (0, 0, 255)
    support.save_side_by_side(
        out_dir / "12.6_corners.png",
        "§12.6 Harris corners",
        [("blockSize 2, ksize 3", marked), ("book: blockSize 2, ksize 23", book_marked)],
    )


# ================================================================ §12.7 直方图 histograms


def two_tone_image() -> tuple[np.ndarray, dict[int, int]]:
    """100×100: the left 30 columns are 40, the rest 200 → histogram {40: 3000, 200: 7000}."""
    img = np.full((100, 100), 200, np.uint8)
    img[:, :30] = 40
    return img, {40: 3000, 200: 7000}


def three_histograms(gray, mask=None):
    if mask is None:
        values = gray.ravel()
    else:
        values = gray[mask > 0]
    hist_cv = cv2.calcHist([gray], [0], mask, [256], [0, 256]).ravel().astype(np.int64)
    hist_np, _ = np.histogram(values, 256, (0, 256))
    hist_bc = np.bincount(values, minlength=256)
    return hist_cv, hist_np, hist_bc


def time_histograms(gray, repeats=20) -> dict[str, float]:
    """Seconds per call, best of 5 rounds."""
    calls = {
        "cv2.calcHist": lambda: cv2.calcHist([gray], [0], None, [256], [0, 256]),
        "np.histogram": lambda: np.histogram(gray.ravel(), 256, (0, 256)),
        "np.bincount": lambda: np.bincount(gray.ravel(), minlength=256),
    }
    return {
        name: min(timeit.repeat(f, number=repeats, repeat=5)) / repeats for name, f in calls.items()
    }


def all_equal(histograms) -> bool:
    first = histograms[0]
    return all(np.array_equal(first, h) for h in histograms[1:])


def save_plot_of_histograms(gray, full, masked, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.4))

    a1, a2 = fig.subplots(1, 2)
    a1.imshow(gray, cmap="gray")
    a1.set_axis_off()
    a2.plot(full, label="full")
    a2.plot(masked, label="mask [100:200, 100:200]")
    a2.legend()
    fig.suptitle("§12.7 histogram")
    fig.tight_layout()
    return support.save_png(fig, path, dpi=90)


def print_section_12_7(image_path: Path, out_dir: Path) -> None:
    two_tone, expected = two_tone_image()
    two_tone_hists = three_histograms(two_tone)
    gray = cv2.cvtColor(support.read_image(image_path), cv2.COLOR_BGR2GRAY)
    mask = np.zeros_like(gray)
    mask[100:200, 100:200] = 255  # the book's mask
    full, masked = three_histograms(gray), three_histograms(gray, mask)
    t = time_histograms(gray)
    counts = {v: int(two_tone_hists[2][v]) for v in expected}
    print(
        f"§12.7 histograms: two-tone counts {counts} (expected {expected}); three methods "
        f"identical: {all_equal(two_tone_hists) and all_equal(full)}, with mask: "
        f"{all_equal(masked)}; time per call "
        + ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in t.items())
        + f"; np.histogram / np.bincount = {t['np.histogram'] / t['np.bincount']:.1f}×"
    )
    print(f"      最快在前 fastest first (this machine): {' < '.join(sorted(t, key=t.get))}")
    save_plot_of_histograms(gray, full[0], masked[0], out_dir / "12.7_histogram.png")


# ================================================================ §12.8 视频抽取图片 frames from a video


def write_moving_square_video(path: Path, frames=30, size=(160, 120), fps=10) -> Path:
    """MJPG in an AVI container: OpenCV's own writer, so the pip wheel can write and read it.
    Written under an ASCII temporary name in the target folder, then renamed (any path)."""

    def write(tmp: str) -> None:
        with support.opencv_name(Path(tmp)) as name:
            writer = cv2.VideoWriter(name, cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
        if not writer.isOpened():
            raise support.DataError(
                f"cannot create video {path} — check that --out-dir is writable"
            )
        w, h = size
        for i in range(frames):
            frame = np.zeros((h, w, 3), np.uint8)
            x = 5 + i * (w - 40) // max(frames - 1, 1)
            cv2.rectangle(frame, (x, 40), (x + 30, 70), (0, 200, 255), -1)
            writer.write(frame)
        writer.release()

    return support.write_atomic(path, write)


def count_frames(video: Path) -> int:
    cap = support.open_video(video)
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def extract_frames(video: Path, out_dir: Path, every: int = 1) -> list[Path]:
    """Write every `every`-th frame as frame_0000.png …; returns the paths."""
    cap = support.open_video(video)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, index = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if index % every == 0:
            path = out_dir / f"frame_{index:04d}.png"
            paths.append(support.write_image(path, frame))
        index += 1
    cap.release()
    return paths


def square_position(frame: np.ndarray) -> str:
    """A stand-in for §12.8's per-frame classifier (the book: a convolutional network): which
    third of the picture the square's centre is in."""
    cols = np.nonzero(frame.max(axis=(0, 2)) > 100)[0]
    if not len(cols):
        return "none"
    centre = (cols.min() + cols.max()) / 2 / frame.shape[1]
    return "left" if centre < 1 / 3 else "middle" if centre < 2 / 3 else "right"


def frame_labels(video: Path, classify=square_position) -> list[str]:
    cap = support.open_video(video)
    labels = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        labels.append(classify(frame))
    cap.release()
    return labels


def video_label(labels: list[str]) -> tuple[str, Counter]:
    """§12.8: "取数量最多的种类作为该视频的分类" — the class most frames get (ties: met first)."""
    votes = Counter(labels)
    return votes.most_common(1)[0][0], votes


def print_section_12_8(video: Path | None, out_dir: Path) -> None:
    frames_dir = out_dir / "12.8_frames"
    if video is None:
        out_dir.mkdir(parents=True, exist_ok=True)
        video = write_moving_square_video(out_dir / "moving_square.avi", frames=30)
    total = count_frames(video)
    paths = extract_frames(video, frames_dir, every=5)
    print(
        f"§12.8 video {video.name}: {total} frames; every 5th written: {len(paths)} PNGs "
        f"(expected {math.ceil(total / 5)}) in {frames_dir}"
    )
    frames = [(p.stem, support.read_image(p)) for p in paths[:6]]
    support.save_side_by_side(out_dir / "12.8_frames.png", "§12.8 every 5th frame", frames)
    label, votes = video_label(frame_labels(video))
    print(
        f"§12.8 视频分类 the video's class by the frames' vote: {label} "
        f"({', '.join(f'{k} {n}' for k, n in votes.items())})"
    )


# ================================================================ §12.9 形态学图像处理 morphology


def morphology_shapes() -> np.ndarray:
    """A small binary picture (the book's demo PNG is not distributed): a plus, a bar, a ring."""
    a = np.zeros((20, 30), bool)
    a[3:14, 7] = a[8, 2:13] = True  # plus, one pixel wide
    a[3:6, 16:27] = True  # a 3-pixel-thick bar
    yy, xx = np.mgrid[0:20, 0:30]
    r = np.hypot(yy - 14, xx - 21)
    a |= (r >= 2.5) & (r <= 4.5)  # a ring
    return a


def thick_shapes() -> np.ndarray:
    """Thick binary letters-like shapes for thinning: an L, a filled rectangle, a thick ring."""
    a = np.zeros((60, 90), bool)
    a[5:55, 5:17] = True
    a[43:55, 5:40] = True  # L
    a[8:30, 50:85] = True  # rectangle
    yy, xx = np.mgrid[0:60, 0:90]
    r = np.hypot(yy - 45, xx - 67)
    a |= (r >= 7) & (r <= 13)  # thick ring
    return a


FOUR = ndimage.generate_binary_structure(2, 1)  # 4-connected "surroundings" (the default)

EIGHT = ndimage.generate_binary_structure(2, 2)  # 8-connected

# §12.9.2's structuring elements: h = must be white, m = must be black
H1 = np.array([[0, 0, 0], [0, 1, 0], [1, 1, 1]])

M1 = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0]])

H2 = np.array([[0, 0, 0], [1, 1, 0], [0, 1, 0]])

M2 = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]])

# §12.9.1's three line-shaped structuring elements
LINE_ELEMENTS = {
    "horizontal": [[0, 0, 0], [1, 1, 1], [0, 0, 0]],
    "vertical": [[0, 1, 0], [0, 1, 0], [0, 1, 0]],
    "up": [[0, 1, 0], [0, 1, 0], [0, 0, 0]],
}

# §12.9.2's two demonstrations: (must be white, must be black)
HIT_OR_MISS_DEMOS = {
    "white, 3 white below, upper-left black": (
        [[0, 0, 0], [0, 1, 0], [1, 1, 1]],
        [[1, 0, 0], [0, 0, 0], [0, 0, 0]],
    ),
    "black, 3 white below, upper-left black": (
        [[0, 0, 0], [0, 0, 0], [1, 1, 1]],
        [[1, 0, 0], [0, 1, 0], [0, 0, 0]],
    ),
}


def shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """b[y, x] = a[y + dy, x + dx], False outside the picture."""
    h, w = a.shape
    padded = np.pad(a, 1)
    return padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]


def dilation_by_hand(a: np.ndarray, structure) -> np.ndarray:
    """OR of the picture shifted by every offset the (symmetric-origin 3×3) element marks."""
    out = np.zeros_like(a, dtype=bool)
    for (i, j), on in np.ndenumerate(np.asarray(structure)):
        if on:
            out |= shifted(a, 1 - i, 1 - j)
    return out


def hit_or_miss_by_hand(a: np.ndarray, white, black) -> np.ndarray:
    """Every offset marked in `white` must be white and every one in `black` black."""
    out = np.ones_like(a, dtype=bool)
    for (i, j), on in np.ndenumerate(np.asarray(white)):
        if on:
            out &= shifted(a, i - 1, j - 1)
    for (i, j), on in np.ndenumerate(np.asarray(black)):
        if on:
            out &= ~shifted(a, i - 1, j - 1)
    return out


def line_dilations(a: np.ndarray) -> dict[str, tuple[np.ndarray, bool]]:
    """{name: (pixels added, scipy == by hand)} for §12.9.1's three line elements."""
    result = {}
    for name, element in LINE_ELEMENTS.items():
        dilated = ndimage.binary_dilation(a, element)
        result[name] = (dilated & ~a, np.array_equal(dilated, dilation_by_hand(a, element)))
    return result


def erosions(a: np.ndarray) -> dict[str, np.ndarray]:
    """§12.9.1's erosion demo: the white pixels removed with 4-connected "surroundings" (the
    default structure) and with 8-connected ones (the book's [[1,1,1],[1,1,1],[1,1,1]])."""
    return {
        "4-connected": a & ~ndimage.binary_erosion(a),
        "8-connected": a & ~ndimage.binary_erosion(a, EIGHT),
    }


def hit_or_miss_demos(a: np.ndarray) -> dict[str, tuple[np.ndarray, bool]]:
    """{name: (pixels found, scipy == by hand)} for §12.9.2's two demonstrations."""
    result = {}
    for name, (white, black) in HIT_OR_MISS_DEMOS.items():
        found = ndimage.binary_hit_or_miss(a, white, black)
        result[name] = (found, np.array_equal(found, hit_or_miss_by_hand(a, white, black)))
    return result


def book_panel(a: np.ndarray, marked: np.ndarray, value=150) -> np.ndarray:
    """The book's display: the picture white (255), the marked pixels grey."""
    img = np.where(a, 255, 0).astype(np.uint8)
    img[marked] = value
    return img


def thinning_elements():
    hits, misses = [], []
    for k in range(4):  # the two patterns and their rotations by 90°, 180°, 270°
        hits += [np.rot90(H1, k), np.rot90(H2, k)]
        misses += [np.rot90(M1, k), np.rot90(M2, k)]
    return hits, misses


def skeletonize(img: np.ndarray) -> np.ndarray:
    """Thin until a full pass over the 8 elements removes nothing."""
    hits, misses = thinning_elements()
    img = img.astype(bool).copy()
    while True:
        before = img.copy()
        for hit, miss in zip(hits, misses, strict=True):
            img &= ~ndimage.binary_hit_or_miss(img, hit, miss)
        if np.array_equal(img, before):
            return img


def skeletonize_as_printed(img: np.ndarray) -> np.ndarray:
    """The book's loop: `return` sits inside `while`, and the test compares after each element."""
    hits, misses = thinning_elements()
    img = img.astype(bool).copy()
    last = img
    for hit, miss in zip(hits, misses, strict=True):
        img = np.logical_and(img, np.logical_not(ndimage.binary_hit_or_miss(img, hit, miss)))
        if np.all(img == last):
            break
    return img


def morphology_checks(a: np.ndarray) -> dict[str, bool]:
    ero, dil = ndimage.binary_erosion(a), ndimage.binary_dilation(a)
    opened = ndimage.binary_opening(a, EIGHT)
    closed = ndimage.binary_closing(a, EIGHT, border_value=0)
    return {
        "erosion <= original <= dilation": bool((ero <= a).all() and (a <= dil).all()),
        "8-connected dilation >= 4-connected": bool(
            (ndimage.binary_dilation(a, EIGHT) >= dil).all()
        ),
        "opening is idempotent": bool(
            np.array_equal(ndimage.binary_opening(opened, EIGHT), opened)
        ),
        "closing is idempotent": bool(
            np.array_equal(ndimage.binary_closing(closed, EIGHT, border_value=0), closed)
        ),
    }


def skeleton_checks(shape: np.ndarray, skeleton: np.ndarray) -> dict[str, bool | int]:
    blocks = skeleton[:-1, :-1] & skeleton[1:, :-1] & skeleton[:-1, 1:] & skeleton[1:, 1:]
    _, n_shape = ndimage.label(shape, EIGHT)
    _, n_skel = ndimage.label(skeleton, EIGHT)
    return {
        "one pixel wide (no 2×2 block)": not blocks.any(),
        "same pieces as the shape": n_shape == n_skel,
        "inside the shape": bool((skeleton <= shape).all()),
        "pixels": int(skeleton.sum()),
    }


def print_section_12_9(out_dir: Path) -> None:
    a = morphology_shapes()
    checks = morphology_checks(a)
    print("§12.9 " + ", ".join(f"{k}: {v}" for k, v in checks.items()))
    four = ndimage.binary_dilation(a) & ~a
    eight = ndimage.binary_dilation(a, EIGHT) & ~a
    lines = line_dilations(a)
    print(
        f"§12.9.1 膨胀 dilation, 新增像素 pixels added: 4-connected {int(four.sum())}, "
        f"8-connected {int(eight.sum())}; "
        + ", ".join(f"{k} {int(v.sum())} (= by hand: {ok})" for k, (v, ok) in lines.items())
    )
    support.save_side_by_side(
        out_dir / "12.9_dilation.png",
        "§12.9.1 dilation: grey = added pixels",
        [("shapes", book_panel(a, np.zeros_like(a))), ("4-connected", book_panel(a, four))]
        + [("8-connected", book_panel(a, eight))]
        + [(name, book_panel(a, added)) for name, (added, _) in lines.items()],
    )
    eroded = erosions(a)
    print(
        "§12.9.1 腐蚀 erosion, 去掉的像素 pixels removed: "
        + ", ".join(f"{k} {int(v.sum())}" for k, v in eroded.items())
        + f" (of {int(a.sum())} white)"
    )
    support.save_side_by_side(
        out_dir / "12.9_erosion.png",
        "§12.9.1 erosion: grey = removed pixels",
        [("shapes", book_panel(a, np.zeros_like(a)))]
        + [(name, book_panel(a, removed, value=100)) for name, removed in eroded.items()],
    )
    demos = hit_or_miss_demos(a)
    print(
        "§12.9.2 Hit 和 Miss, 找到的像素 pixels found: "
        + "; ".join(f"{k}: {int(v.sum())} (= by hand: {ok})" for k, (v, ok) in demos.items())
    )
    support.save_side_by_side(
        out_dir / "12.9_hit_or_miss.png",
        "§12.9.2 hit-or-miss: white = found, grey = the picture",
        [("shapes", book_panel(a, np.zeros_like(a)))]
        + [
            (name, np.where(v, 255, np.where(a, 100, 0)).astype(np.uint8))
            for name, (v, _) in demos.items()
        ],
    )
    shape = thick_shapes()
    skeleton = skeletonize(shape)
    printed = skeletonize_as_printed(shape)
    sk = skeleton_checks(shape, skeleton)
    print(
        "§12.9.2 细线化 thinning: "
        + ", ".join(f"{k}: {v}" for k, v in sk.items())
        + f"; 书中的循环只跑一遍 the book's loop stops after one pass with "
        f"{int(printed.sum())} pixels left"
    )
    support.save_side_by_side(
        out_dir / "12.9_morphology.png",
        "§12.9.2 thinning",
        [
            ("thick shapes", shape.astype(np.uint8)),
            ("skeleton", skeleton.astype(np.uint8)),
            ("the book's loop (one pass)", printed.astype(np.uint8)),
        ],
    )


# ================================================================ the command line


TITLES = {
    "12.2": "热点图 heat map",
    "12.3": "高斯滤波 Gaussian blur",
    "12.4": "图片翻转 rotation and flips",
    "12.5": "轮廓检测 contours",
    "12.6": "角点 corners",
    "12.7": "直方图 histograms",
    "12.8": "视频抽取图片 video frames",
    "12.9": "形态学图像处理 morphology",
}


# every section's printer, called with the photo, the video and the output folder
SECTIONS = {
    "12.2": lambda photo, video, out: print_section_12_2(out),
    "12.3": lambda photo, video, out: print_section_12_3(photo, out),
    "12.4": lambda photo, video, out: print_section_12_4(photo, out),
    "12.5": lambda photo, video, out: print_section_12_5(out),
    "12.6": lambda photo, video, out: print_section_12_6(out),
    "12.7": lambda photo, video, out: print_section_12_7(photo, out),
    "12.8": lambda photo, video, out: print_section_12_8(video, out),
    "12.9": lambda photo, video, out: print_section_12_9(out),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="第12章 图像处理 image processing (§12.2–12.9)")
    parser.add_argument("--section", choices=list(SECTIONS), help="run one section only")
    parser.add_argument(
        "--image",
        type=support.user_path,
        default=None,
        help="photo for 12.3/12.4/12.7 (default: matplotlib's grace_hopper.jpg)",
    )
    parser.add_argument(
        "--video",
        type=support.user_path,
        default=None,
        help="video for 12.8 (default: a generated 30-frame AVI)",
    )
    parser.add_argument(
        "--out-dir", type=support.user_path, default=DEFAULT_OUT, help="where PNGs go"
    )
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(support.command_line(argv))
    photo = args.image or support.sample_photo_path()
    try:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(
            f"error: cannot create {args.out_dir}: {err.strerror} — choose another --out-dir",
            file=sys.stderr,
        )
        return 1
    try:
        for name, run in SECTIONS.items():
            if args.section in (None, name):
                print(f"== §{name} {TITLES[name]} ==")
                run(photo, args.video, args.out_dir)
    except support.DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"图在 figures in {args.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
