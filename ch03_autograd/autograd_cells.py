# %% [markdown]
# # 第3章 求导 autograd (§3)
#
# y = x + 2, z = 3y², out = mean(z)：书中 out = 27，x.grad = 4.5。梯度用自动求导、解析解和数值差分三种方式核对。

# %%
import autograd

# %% [markdown]
# ## §3 求导 the gradient
# 勘误：书中称 3(x+2)/2 是"z 的导数"，它是 out 的导数（dz/dx = 6(x+2) = 18）。

# %%
autograd.print_gradient()

# %% [markdown]
# ## §3 权值更新 the update's sign
# 勘误：书中公式 `weight = weight + learning_rate * gradient` 让损失上升；它自己的代码是减法。

# %%
autograd.print_weight_update()
