# %% [markdown]
# # 第12章 图像处理 · Image processing (§12.2–12.9)
#
# 书中的图片没有随书发布：照片用 matplotlib 自带的 `grace_hopper.jpg`，其余输入由代码画出，答案事先已知。
# 把 `PHOTO` 换成你自己的照片路径再运行。*Point `PHOTO` at your own photo and run again.*

# %%
# book: head

# %%
from IPython.display import Image, display

PHOTO, OUT = support.sample_photo_path(), DEFAULT_OUT
OUT.mkdir(parents=True, exist_ok=True)


def show(*names):
    for name in names:
        display(Image(filename=str(OUT / name)))


# %% [markdown]
# ## §12.2 热点图 heat map
# 勘误：书中的随机协方差约四次有三次不是半正定的；`np.arange(0, w)` 作边界少一行一列。

# %%
# book: §12.2 热点图 heat map

# %%
print_section_12_2(OUT)
show("12.2_heatmap.png")

# %% [markdown]
# ## §12.3 高斯滤波 Gaussian blur
# 勘误：`GaussianBlur(src, (K, K), SIGMA, KSIZE)` 的第四个位置参数是 `dst`。

# %%
# book: §12.3 高斯滤波 Gaussian blur

# %%
print_section_12_3(PHOTO, OUT)
show("12.3_gaussian.png")

# %% [markdown]
# ## §12.4 旋转与翻转 rotation and flips
# 勘误：书中的缩放让图放大而不是放得下。

# %%
# book: §12.4 图片翻转 rotation and flips

# %%
print_section_12_4(PHOTO, OUT)
show("12.4_rotate.png")

# %% [markdown]
# ## §12.5 轮廓 contours
# 书中四种检索模式和近似方法；今天 `findContours` 返回两个值（元组），不再修改输入。

# %%
# book: §12.5 轮廓检测 contours

# %%
print_section_12_5(OUT)
show("12.5_contours.png")

# %% [markdown]
# ## §12.6 角点 corners
# 勘误：`cornerHarris` 的 ksize 23 是 Sobel 孔径，不是书中说的"敏感度"。

# %%
# book: §12.6 角点 corners

# %%
print_section_12_6(OUT)
show("12.6_corners.png")

# %% [markdown]
# ## §12.7 直方图 histograms
# 书中说 bincount "速度=10倍法2"（np.histogram）：本机打印自己的计时。

# %%
# book: §12.7 直方图 histograms

# %%
print_section_12_7(PHOTO, OUT)
show("12.7_histogram.png")

# %% [markdown]
# ## §12.8 视频抽取图片 frames from a video

# %%
# book: §12.8 视频抽取图片 frames from a video

# %%
print_section_12_8(None, OUT)
show("12.8_frames.png")

# %% [markdown]
# ## §12.9 形态学 morphology: 膨胀、腐蚀、Hit 和 Miss、细线化
# 勘误：书中的 `skeletonize()` 把 `return` 写在循环里，只跑一遍。

# %%
# book: §12.9 形态学图像处理 morphology

# %%
print_section_12_9(OUT)
show("12.9_dilation.png", "12.9_erosion.png", "12.9_hit_or_miss.png", "12.9_morphology.png")
