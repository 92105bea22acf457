# %% [markdown]
# # 第5章 优化器 Optim (§5.1–5.6)
#
# 每个更新公式手写一遍，与 `torch.optim` 并排跑（float64）；再运行书中印错的公式；最后画出六个优化器的轨迹。

# %%
# book: head

# %%
from IPython.display import Image

STEPS = STEPS  # 改成 300 再运行 change to 300 and run again

# %% [markdown]
# ## §5.1–5.6 手写更新 vs. torch.optim
# 书中 §5.1 印的是 x_{t+1} = x_t − η·g_t；PyTorch 的动量形式 v ← μv + g 在手写版本里，差 ≤ 1e-10。

# %%
# book: §5.1–5.6 the six optimizers, written out, against torch.optim

# %%
print_against_torch(STEPS)

# %% [markdown]
# ## §5.1 SGD "支持学习衰减率"
# 勘误：SGD 的衰减参数只有 `weight_decay`（L2）；学习率衰减要用调度器。

# %%
# book: §5.1 SGD's decay

# %%
print_sgd_decay()

# %% [markdown]
# ## §5.2–5.6 默认值 defaults
# 勘误：书中的签名是 Keras 的；PyTorch 的默认值从函数签名读出。

# %%
# book: §5.2–5.6 the book's defaults (Keras's)

# %%
print_book_defaults()

# %% [markdown]
# ## 书中的公式 the book's formulas, run
# 勘误：§5.5 Adam（g⊙s、丢了幂次 t）、§5.4 Adadelta（分子无 ε：参数不动）、§5.3 Adagrad 第一步。

# %%
# book: §5.3–5.5 the book's formulas, run as printed

# %%
print_book_formulas(STEPS)

# %% [markdown]
# ## 书中的说法 the book's claims, measured
# §5.3 Adagrad 的步长只会变小；§5.4 书中说 Adadelta 不用学习率，用法却传 `lr=1.0`：torch 把 lr 当作乘数；
# §5.5 Adam 的步长不超过 lr，与梯度大小无关。*Adagrad's step only shrinks; torch's Adadelta scales
# by lr; Adam's step stays within lr.*

# %%
# book: §5.3–5.5 the book's claims, measured

# %%
print_book_claims()

# %% [markdown]
# ## 轨迹 trajectories (书外 beyond the book)

# %%
# book: 书外 beyond the book: trajectories on a valley

# %%
Image(filename=str(draw_trajectories(STEPS)))
