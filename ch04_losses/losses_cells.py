# %% [markdown]
# # 第4章 损失函数 · Loss functions (§4.1–4.7)
#
# 书中的例子：`sample = ones(2, 2)`，`target = [[0, 1], [2, 3]]`。

# %%
# book: head

# %%
from IPython.display import Image

# %% [markdown]
# ## §4 引言 the opening figure
# 书中的图：粗线是真实的直线，w₁、w₂、w₃ 是三次迭代的权重，1/2/3 是预测与真实的差。这里在 Y = 2·X 上跑三步
# 梯度下降，画出三条线并打印差值。*Three iterations' lines approach the true one; the gaps shrink.*

# %%
# book: §4 引言 the opening figure: w₁, w₂, w₃ approach the true line

# %%
Image(filename=str(print_section_4_intro()))

# %% [markdown]
# ## §4.1–4.3 L1、SmoothL1、MSE
# 书中 1、0.625、1.5：今天相同，按公式手算也相同。

# %%
# book: §4.1–4.3 L1Loss, SmoothL1Loss, MSELoss

# %%
print_regression_losses()

# %% [markdown]
# ## §4.4 BCELoss
# 书中 -13.8155；勘误：今天目标须在 [0, 1] 内，否则 RuntimeError；书中的数来自旧版 log(x + 1e-12)。

# %%
# book: §4.4 BCELoss

# %%
print_section_4_4()

# %% [markdown]
# ## §4.5 CrossEntropyLoss
# 书中报错；今天浮点目标被当作类别概率，得到 2.0794。

# %%
# book: §4.5 CrossEntropyLoss

# %%
print_section_4_5()

# %% [markdown]
# ## §4.6 NLLLoss 与 §4.7 NLLLoss2d
# 书中两处都报错。今天仍然报错：`F.nll_loss` 需要类别下标；`nn.NLLLoss2d` 先警告已弃用，再 RuntimeError。

# %%
# book: §4.6–4.7 NLLLoss, NLLLoss2d

# %%
print_sections_4_6_and_4_7()
