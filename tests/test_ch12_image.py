import cv2
import numpy as np
import pytest
from scipy import ndimage

from ch12_image import image as im


@pytest.fixture(scope="module")
def photo():
    return im.support.read_image(im.support.sample_photo_path())


def test_unreadable_image_names_the_path(tmp_path):
    bad = tmp_path / "not_an_image.png"
    bad.write_text("hello")
    with pytest.raises(im.support.DataError, match="not_an_image.png"):
        im.support.read_image(bad)
    with pytest.raises(im.support.DataError, match="missing.jpg"):
        im.support.read_image(tmp_path / "missing.jpg")


def test_main_reports_a_bad_image_in_one_line(tmp_path, capsys):
    code = im.main(
        ["--section", "12.3", "--image", str(tmp_path / "nope.png"), "--out-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: cannot read image") and "nope.png" in err
    assert len(err.strip().splitlines()) == 1


def test_12_2_overlay_is_transparent_where_cold_and_opaque_at_the_peak():
    _, heat = im.heat_map()
    base = im.outline_map(heat.shape)
    overlay, alpha = im.overlay_heat(base, heat)
    assert overlay.shape == base.shape and alpha.max() == 1.0
    cold = alpha < 1e-3
    assert 0.2 < cold.mean() < 0.9  # the heat covers part of the map, not all of it
    base_rgb = base[..., ::-1] / 255
    assert np.allclose(overlay[cold], base_rgb[cold], atol=1e-3)
    peak = np.unravel_index(heat.argmax(), heat.shape)
    assert not np.allclose(overlay[peak], base_rgb[peak])


def test_12_9_1_line_dilations_equal_shifted_copies(book):
    """§12.9.1's three line elements ([[0,0,0],[1,1,1],[0,0,0]] and the two vertical ones): each
    dilation is the shape OR its copies shifted by the element's offsets, checked by hand."""
    a = im.morphology_shapes()
    lines = im.line_dilations(a)
    for name, (_, ok) in lines.items():
        book.same("12.9.1", f"binary_dilation with the {name} line = shifted copies ORed", True, ok)
    added = {k: int(v.sum()) for k, (v, _) in lines.items()}
    # "up" adds only above each pixel: a subset of the vertical element's additions
    assert (lines["up"][0] <= lines["vertical"][0]).all() and added["up"] < added["vertical"]
    assert added == {"horizontal": 56, "vertical": 72, "up": 36}


def test_12_9_2_both_hit_or_miss_demos_match_a_loop_by_hand(book):
    """§12.9.2: the first pair finds "下方三个像素为白色，并且左上像素为黑色的白色像素", the second
    the black pixels with that neighbourhood; binary_hit_or_miss against a loop over every pixel."""
    a = im.morphology_shapes()
    demos = im.hit_or_miss_demos(a)
    (white, ok1), (black, ok2) = demos.values()
    book.same(
        "12.9.2",
        "binary_hit_or_miss, both demos = the pattern found by hand",
        [True, True],
        [ok1, ok2],
    )
    assert (white <= a).all() and not (black & a).any()  # the first finds white, the second black
    assert (int(white.sum()), int(black.sum())) == (20, 22)


def test_12_2_heat_map_keeps_the_count_and_smooths():
    hist, heat = im.heat_map()
    assert hist.sum() == pytest.approx(20 * 200, abs=50)  # clusters kept inside the map
    assert heat.sum() == pytest.approx(hist.sum(), rel=1e-3)
    assert im.total_variation(heat) < 0.1 * im.total_variation(hist)


def test_12_3_blur_raises_psnr(photo, book):
    """§12.3: "高斯平滑滤波器对于抑制服从正态分布的噪声非常有效" (σ = 20 noise: the PSNR rises by
    more than 5 dB) and "取值范围越大，'模糊效果'越强烈" (the detail left, as the variance of the
    Laplacian of the clean photo, falls with the kernel: 3, 5, 9 at σ = 0 (OpenCV's from ksize))."""
    clean = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    noisy = im.add_noise(clean)
    table = im.blur_table(clean, noisy)
    noisy_psnr = im.psnr(noisy, clean)
    assert all(p > noisy_psnr for k, s, p in table if s >= 0.8)
    best = max(table, key=lambda row: row[2])
    book.same(
        "12.3",
        "Gaussian blur on σ=20 noise: best PSNR gain over 5 dB",
        True,
        best[2] > noisy_psnr + 5,
    )
    detail = [
        cv2.Laplacian(cv2.GaussianBlur(clean, (k, k), 0), cv2.CV_64F).var() for k in (3, 5, 9)
    ]
    book.same(
        "12.3",
        "a larger window blurs more: detail left at 3×3 > 5×5 > 9×9",
        True,
        detail[0] > detail[1] > detail[2],
    )
    # too wide a blur loses detail: 9×9 σ=3 is worse than the best setting
    assert dict(((k, s), p) for k, s, p in table)[(9, 3.0)] < best[2]


def test_12_3_books_fourth_argument_is_dst(book, photo):
    same = im.book_gaussian_call_is_plain(photo)
    book.changed(
        "12.3",
        "GaussianBlur(src, (K,K), SIGMA, KSIZE): 4th arg",
        "KSIZE",
        "dst (ignored)" if same else "used",
        expected="dst (ignored)",
        status="erratum",
        note="signature: src, ksize, sigmaX, dst, sigmaY",
    )


def test_12_4_flips_and_rot90_agree_exactly(photo):
    assert all(im.flips_agree_with_numpy(photo).values())
    square = photo[:400, :400]
    assert np.array_equal(im.rotate(square, 90), np.rot90(square))


def test_12_4_books_half_pixel_centre_shifts_by_one(book):
    square = np.arange(64, dtype=np.uint8).reshape(8, 8)
    book_centre = im.rotate(square, 90, center=(4, 4))
    book.changed(
        "12.4",
        "rotate 90° about the book's centre (w/2, h/2) is a plain quarter turn",
        True,
        bool(np.array_equal(book_centre, np.rot90(square))),
        expected=False,
        note="the pixel centre is ((w-1)/2, (h-1)/2): (w/2, h/2) shifts the result by one pixel",
    )


def test_12_4_book_scale_magnifies(photo, book):
    h, w = photo.shape[:2]
    s = im.book_rotation_scale(h, w, 60)
    assert s > 1
    assert im.fits_after_rotation(photo, 60, s) < 0.5
    assert im.fits_after_rotation(photo, 60, 1 / s) > 0.99
    book.changed(
        "12.4",
        "the book's scale makes the rotated photo fit",
        True,
        bool(im.fits_after_rotation(photo, 60, s) > 0.99),
        expected=False,
        note=f"its scale {s:.2f} > 1 magnifies; 1/{s:.2f} fits",
    )


def test_12_5_contours_count_the_shapes_and_holes(book):
    binary, outlines, holes = im.shapes_image()
    counts = im.contour_counts(binary)
    assert counts["external"] == outlines == 4
    assert counts["tree"] == outlines + holes
    assert (counts["outlines"], counts["holes"]) == (4, 3)
    assert counts["rectangle_points"] == 4  # CHAIN_APPROX_SIMPLE keeps a rectangle's corners
    book.changed(
        "12.5",
        "findContours modifies its input",
        "yes",
        "no" if counts["input_unchanged"] else "yes",
        expected="no",
        status="API change",
        note="since OpenCV 3.2",
    )


def test_12_5_findcontours_returns_two_values_on_opencv_4_plus(book):
    """§12.5: "cv2.findContours() 函数返回两个值" (OpenCV 3 returned three; 4 and later two)."""
    binary, _, _ = im.shapes_image()
    found = len(cv2.findContours(binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE))
    book.same("12.5", "findContours returns (contours, hierarchy): values", 2, found, tol=0)


def test_12_5_the_books_other_modes_and_methods(book):
    """§12.5 lists RETR_EXTERNAL (outer contours only), RETR_LIST (no hierarchy), RETR_CCOMP (two
    levels), RETR_TREE, CHAIN_APPROX_NONE (every boundary pixel) and SIMPLE ("一个矩形轮廓只需 4
    个点"); the contours come back as a tuple, not the list the book names."""
    binary, outlines, holes = im.shapes_image()  # 4 shapes, 3 of them with a hole
    facts = im.contour_modes(binary)
    m = facts["modes"]
    expected = {
        "RETR_EXTERNAL": dict(found=outlines, top_level=outlines),
        "RETR_LIST": dict(found=outlines + holes, top_level=outlines + holes),
        "RETR_CCOMP": dict(found=outlines + holes, top_level=outlines),
    }
    for mode, want in expected.items():
        what = f"{mode} on 4 shapes with 3 holes: contours found, top level"
        book.same("12.5", what, [want["found"], want["top_level"]], list(m[mode].values()), tol=0)
    assert m["RETR_TREE"]["found"] == outlines + holes
    # the 180×120 rectangle (200..380 × 160..280): 2·(180 + 120) = 600 boundary pixels
    points = [facts["points"][k] for k in ("CHAIN_APPROX_NONE", "CHAIN_APPROX_SIMPLE")]
    book.same(
        "12.5", "upright 180×120 rectangle: points kept, NONE / SIMPLE", [600, 4], points, tol=0
    )
    assert facts["returns"] == "tuple of 2"
    book.changed(
        "12.5",
        "the type of the contours findContours returns",
        "list",
        facts["contours_type"],
        expected="tuple",
        status="API change",
        note="a tuple of ndarrays in OpenCV 4 and later",
    )


def test_12_2_the_books_covariance_and_bins(book):
    """§12.2's draws give a covariance that is not positive-semidefinite in about three runs of
    four (numpy warns), and np.arange(0, w) as bin edges makes a map one pixel short."""
    share = im.book_covariance_warns()
    book.changed(
        "12.2",
        "c = (a + b)·N(0, 1)·0.2: share of runs with a covariance not PSD",
        "a covariance",
        share,
        expected=0.78,
        tol=0.05,
        note="c² > a·b in 3 runs of 4 (400 runs of 100 clusters, seed 0); numpy warns",
    )
    with pytest.warns(RuntimeWarning, match="positive-semidefinite"):
        np.random.default_rng(0).multivariate_normal((0, 0), [[100, 150], [150, 100]], size=3)
    book.changed(
        "12.2",
        "histogram2d map for a 300×400 picture",
        "300×400",
        "×".join(map(str, im.book_histogram_shape((300, 400)))),
        expected="299×399",
        note="np.arange(0, w) is w edges, w − 1 bins",
    )
    hist, _ = im.heat_map()
    assert hist.shape == (300, 400)


def test_12_9_1_erosion_four_and_eight_connected(book):
    """§12.9.1's erosion demo: 8-connected removes at least what 4-connected removes, and a
    white pixel stays only where its whole neighbourhood is white; erosion "正好和膨胀相反": it is
    the dilation of the black part, inverted."""
    from scipy.ndimage import binary_dilation, binary_erosion

    a = im.morphology_shapes()
    for structure in (im.FOUR, im.EIGHT):
        dual = np.array_equal(binary_erosion(a, structure), ~binary_dilation(~a, structure))
        book.same(
            "12.9.1",
            f"erosion = NOT dilation of NOT a ({int(np.sum(structure))}-pixel element)",
            True,
            dual,
        )
    removed = im.erosions(a)
    four, eight = removed["4-connected"], removed["8-connected"]
    assert (four <= eight).all() and (eight <= a).all()
    kept = a & ~eight
    for y, x in zip(*kept.nonzero(), strict=True):
        assert a[y - 1 : y + 2, x - 1 : x + 2].all()
    assert (int(four.sum()), int(eight.sum())) == (84, 93)


def test_each_section_prints_after_its_code():
    """d2l's order: each § block holds its code and then its printer, in the book's order."""
    import inspect

    source = inspect.getsource(im)
    starts = [source.index(f"======== §{s} ") for s in im.SECTIONS]
    assert starts == sorted(starts)
    for k, section in enumerate(im.SECTIONS):
        printer = source.index(f"def print_section_{section.replace('.', '_')}(")
        end = starts[k + 1] if k + 1 < len(starts) else len(source)
        assert starts[k] < printer < end, section


def test_12_6_harris_finds_every_inner_corner(book):
    """§12.6: cornerHarris(gray, 2, ksize, 0.04) and dst > 0.01·dst.max() mark the corners: on a
    drawn 8×6 chessboard, its 35 inner corners, each within a pixel."""
    board = im.chessboard()
    truth = im.inner_corners()
    _, found = im.harris_corners(board)
    book.same(
        "12.6",
        "Harris (2, 3, 0.04), > 1% of the max: corners of a 8×6 board found",
        len(truth),
        len(found),
        tol=0,
    )
    assert len(truth) == 35
    assert im.match_errors(found, truth).max() <= 1.0


def test_12_6_chessboard_corners_subpixel():
    sub = im.chessboard_subpixel(im.chessboard())
    assert sub is not None and len(sub) == 35
    assert im.match_errors(sub, im.inner_corners()).max() <= 0.5


def test_12_6_books_ksize_23_blurs_the_response(book):
    """§12.6 comments ksize as "敏感度 (3~31, 越小越敏感)"; it is the Sobel aperture: odd (an even
    one is refused) and at most 31, and 23 smears each corner's response over a wide blob."""
    g = np.zeros((32, 32), np.float32)
    accepted = []
    for ksize in (3, 4, 23, 31, 33):
        try:
            cv2.cornerHarris(g, 2, ksize, 0.04)
            accepted.append(ksize)
        except cv2.error:
            pass
    book.changed(
        "12.6",
        "cornerHarris ksize of 3, 4, 23, 31, 33 accepted",
        "any of 3~31 (a sensitivity)",
        accepted,
        expected=[3, 23, 31],
        tol=0,
        note="the Sobel aperture: odd, ≤ 31",
    )
    board = im.chessboard()
    common, _ = im.harris_corners(board, 2, 3)
    wide, _ = im.harris_corners(board, 2, 23)
    mask_common = common > 0.01 * common.max()
    mask_wide = wide > 0.01 * wide.max()
    assert mask_wide.sum() > 2 * mask_common.sum()  # larger marked blobs (3.2× measured)


def test_12_7_three_histograms_agree(book):
    """§12.7's three ways to a histogram, cv2.calcHist, np.histogram and np.bincount, on a picture
    of 3,000 pixels of 40 and 7,000 of 200: each counts exactly those."""
    img, expected = im.two_tone_image()
    for name, h in zip(
        ("calcHist", "np.histogram", "np.bincount"), im.three_histograms(img), strict=True
    ):
        today = [int(h[40]), int(h[200]), int(h.sum())]
        book.same(
            "12.7",
            f"{name}: counts of 40 and 200, total",
            [expected[40], expected[200], 10000],
            today,
            tol=0,
        )
    mask = np.zeros_like(img)
    mask[:, 20:40] = 255  # 10 columns of 40, 10 of 200
    masked = [[int(h[40]), int(h[200]), int(h.sum())] for h in im.three_histograms(img, mask)]
    # §12.7's mask: "表示你接下来的直方图统计就是这个区域的像素统计"
    book.same(
        "12.7",
        "with a mask over 20 columns: counts of 40, 200, total (all three)",
        [[1000, 1000, 2000]] * 3,
        masked,
        tol=0,
    )


def test_12_7_timing_returns_all_three(photo):
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    t = im.time_histograms(gray, repeats=2)
    assert set(t) == {"cv2.calcHist", "np.histogram", "np.bincount"} and min(t.values()) > 0


def test_12_8_video_frames(tmp_path, book):
    video = im.write_moving_square_video(tmp_path / "v.avi", frames=30)
    assert im.count_frames(video) == 30
    # §12.8's loop, as printed, on a 30-frame video: the names it would write
    cap, names = cv2.VideoCapture(str(video)), []
    success, frame = cap.read()
    index = 1
    while success:
        index = index + 1
        names.append(str(index) + ".png")
        if index > 20:
            break
        success, frame = cap.read()
    cap.release()
    book.changed(
        "12.8",
        "the book's loop on 30 frames: files written, first, last",
        "无数的图片文件",
        [len(names), names[0], names[-1]],
        expected=[20, "2.png", "21.png"],
        tol=0,
        note="it counts up before writing and stops after 20; extract_frames() names from 0",
    )
    paths = im.extract_frames(video, tmp_path / "frames", every=4)
    assert len(paths) == 8 and all(p.stat().st_size > 100 for p in paths)
    first, last = (cv2.imread(str(p)) for p in (paths[0], paths[-1]))
    assert np.argmax(first[55].sum(axis=1)) < np.argmax(last[55].sum(axis=1))  # it moved


def test_12_8_unopenable_video(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(im.support.DataError, match="bad.mp4"):
        im.count_frames(bad)


def test_12_9_expand_image_as_printed_indexes_a_2d_array_thrice(book):
    """§12.9's display helper zeroes the grid lines with `out[:, :size, :] = 0` on the 2-D array
    it has just built: IndexError, before any picture is shown."""
    size, w, h = 10, 3, 4
    out = np.zeros((w * size, h * size), dtype=np.uint8)  # the helper's own array
    try:
        out[:, :size, :] = 0
        outcome = "runs"
    except IndexError:
        outcome = "IndexError"
    book.changed(
        "12.9",
        "expand_image's out[:, :size, :] = 0 on its 2-D out",
        "runs",
        outcome,
        expected="IndexError",
    )


def test_12_9_morphology_properties():
    checks = im.morphology_checks(im.morphology_shapes())
    assert all(checks.values()), checks


def test_12_9_hit_or_miss_finds_the_pattern():
    a = np.zeros((5, 5), bool)
    a[2, 2] = True
    a[3, 1:4] = True  # the three pixels below are white, upper-left black
    hits = ndimage.binary_hit_or_miss(a, im.H1, im.M1)
    assert hits[2, 2] and hits.sum() == 1


def test_12_9_skeleton_is_thin_and_connected(book):
    shape = im.thick_shapes()
    skeleton = im.skeletonize(shape)
    checks = im.skeleton_checks(shape, skeleton)
    assert checks["one pixel wide (no 2×2 block)"]
    assert checks["same pieces as the shape"] and checks["inside the shape"]
    assert np.array_equal(im.skeletonize(skeleton), skeleton)  # thinning a skeleton does nothing
    printed = im.skeletonize_as_printed(shape)
    book.changed(
        "12.9",
        "skeletonize() as printed: thin to the end",
        "yes",
        "no" if printed.sum() > 2 * skeleton.sum() else "yes",
        expected="no",
        note="`return` inside the loop; stops after one pass",
    )


def test_main_runs_every_section(tmp_path, capsys):
    assert im.main(["--out-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for section in im.SECTIONS:
        assert f"§{section}" in out
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == [
        "12.2_heatmap.png",
        "12.3_gaussian.png",
        "12.4_rotate.png",
        "12.5_contours.png",
        "12.6_corners.png",
        "12.7_histogram.png",
        "12.8_frames.png",
        "12.9_dilation.png",
        "12.9_erosion.png",
        "12.9_hit_or_miss.png",
        "12.9_morphology.png",
    ]
    assert len(list((tmp_path / "12.8_frames").glob("*.png"))) == 6


def test_12_2_a_larger_sigma_widens_and_smooths_the_map(book):
    """§12.2 "这个值越大，曲面的影响范围越大，最终的热点图也越平滑" on the same points."""
    rows = im.sigma_table(im.heat_map()[0], (5.0, 10.0, 20.0))
    peaks, wide, tv = ([r[k] for r in rows] for k in (1, 2, 3))
    assert peaks[0] > peaks[1] > peaks[2] and wide[0] < wide[1] < wide[2] and tv[0] > tv[1] > tv[2]
    book.same(
        "12.2", "sigma 5 → 20: the map's total variation falls", True, tv[2] < 0.5 * tv[0], tol=0
    )


def test_12_3_separable_blur_counts_2m_per_pixel_and_gives_the_same_image(photo, book):
    """§12.3: O(M×M×N) → O(2×M×N). For a 9×9 kernel: 81 against 18 multiply-adds per pixel,
    and the two passes give the 2-D filter's picture (float32 rounding apart)."""
    gray = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    sep = im.separable_blur(gray, ksize=9)
    assert (
        sep["full_multiply_adds"] == 81 * gray.size
        and sep["separable_multiply_adds"] == 18 * gray.size
    )
    assert sep["max_difference"] < 1e-3
    book.same(
        "12.3",
        "separable 9×9 filter: work 2-D ÷ separable",
        4.5,
        sep["full_multiply_adds"] / sep["separable_multiply_adds"],
        tol=0,
    )
    # "M ， N 分别是图像和滤波器的窗口大小": the count says M is the filter's side, N the pixels
    filter_letter = "M" if sep["full_multiply_adds"] == 9 * 9 * gray.size else "N"
    book.changed(
        "12.3",
        "O(M×M×N) for a 9×9 filter: the letter that is the filter's side",
        "N (M: the image)",
        filter_letter,
        expected="M",
        note="81 multiply-adds per pixel: M = 9, N = the pixels",
    )


def test_12_8_the_video_takes_the_class_most_frames_get(tmp_path, book):
    """§12.8 "取数量最多的种类作为该视频的分类": the square crosses the picture in 30 frames,
    9 in the left third, 13 in the middle, 8 in the right: the video is "middle"."""
    video = im.write_moving_square_video(tmp_path / "v.avi", frames=30)
    labels = im.frame_labels(video)
    assert labels[0] == "left" and labels[-1] == "right"
    label, votes = im.video_label(labels)
    assert dict(votes) == {"left": 9, "middle": 13, "right": 8}
    book.same("12.8", "video class = the frames' majority", "middle", label, tol=0)
    assert im.video_label(["a", "b", "b", "a"])[0] == "a"  # a tie goes to the class met first


def test_12_9_1_dilation_and_erosion_default_to_four_connected(book):
    """§12.9.1 "binary_dilation() 缺省使用四连通进行膨胀运算": with no structure scipy uses the
    4-connected cross, for erosion too; the 8-connected square grows the shapes further."""
    from scipy.ndimage import binary_dilation, binary_erosion

    a = im.morphology_shapes()
    default = binary_dilation(a)
    assert np.array_equal(default, binary_dilation(a, im.FOUR))
    assert np.array_equal(binary_erosion(a), binary_erosion(a, im.FOUR))
    assert binary_dilation(a, im.EIGHT).sum() > default.sum()
    book.same(
        "12.9.1",
        "binary_dilation default structure: 4-connected",
        True,
        bool(np.array_equal(default, binary_dilation(a, im.FOUR))),
        tol=0,
    )


def test_scipy_ndimage_filters_is_a_deprecated_path(book, warns_with):
    """§12.2's `from scipy.ndimage import filters` (and §12.9's `morphology`) are deprecated paths:
    scipy asks for scipy.ndimage itself."""
    from scipy.ndimage import filters

    _, warned = warns_with(lambda: filters.gaussian_filter, "scipy.ndimage` namespace")
    book.changed(
        "12.2",
        "scipy.ndimage.filters.gaussian_filter",
        "the module path",
        "deprecated" if warned else "plain",
        expected="deprecated",
        status="API change",
        note="import it from scipy.ndimage",
    )
