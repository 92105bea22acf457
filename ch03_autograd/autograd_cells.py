# %% [markdown]
# # 第3章 求导 autograd (§3)
#
# y = x + 2, z = 3y², out = mean(z)：书中 out = 27，x.grad = 4.5。梯度用自动求导、解析解和数值差分三种方式核对。

# %%
# book: head

# %% [markdown]
# ## §3 求导 the gradient
# 勘误：书中说 z "它的导数是 $3*(x+2)/2$"，那是 out 的导数（dz/dx = 6(x+2) = 18）。

# %%
# book: §3 求导 the gradient: y = x + 2, z = 3y², out = mean(z)

# %%
print_gradient()

# %% [markdown]
# ## §3 权值更新 the update's sign
# 勘误：书中公式 `weight = weight + learning_rate * gradient` 让损失上升；它自己的代码是减法。

# %%
# book: §3 权值更新 the weight update: the sign

# %%
print_weight_update()

# %% [markdown]
# ## §3 学习率 the learning rate
# 书中说 `lr` "越大表示学习的速度越快，相应的精度就会降低"：在带噪声的直线上用 4 个点的小批量训练，步长越大到得越快，
# 最后离答案也越远。*A larger step arrives sooner and settles further from the answer.*

# %%
# book: §3 学习率 the learning rate: faster, less precise

# %%
print_learning_rates()
