# %% [markdown]
# # 第6章 线性回归 + 第7章 numpy 矩阵的保存 (§6, §7)
#
# `Linear(1, 1)`、SGD lr 0.5、MSE、300 步全批量，拟合 Y = 0.5·X + 噪声。

# %%
# book: head

# %%
from IPython.display import Image

# %% [markdown]
# ## §6 线性回归 linear regression
# 书中只有图：w ≈ 0.5，b ≈ 0。勘误：书中的 `pred = numpy.load(...)` 只导入了 `np`，NameError。

# %%
# book: §6 线性回归 linear regression

# %%
prediction, figure = print_section_6(SEED, STEPS, LR)
Image(filename=str(figure))

# %% [markdown]
# ## §7 numpy 矩阵的保存
# 勘误：书中 `np.load("nm. npy ")` 的文件名里有空格：FileNotFoundError。

# %%
# book: §7 numpy 矩阵的保存 saving a numpy array

# %%
print_section_7(prediction)
