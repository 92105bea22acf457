# %% [markdown]
# # 第9章 卷积层 · Convolution (§9.1–9.2)

# %%
# book: head

# %% [markdown]
# ## §9.1 / §9.2 函数定义 signatures
# 书中 stride=1、padding=0、dilation=1：从 torch 自己的签名读出，相同。

# %%
# book: §9.1 / §9.2 函数定义 the signatures

# %%
print_sections_9_1_9_2_signatures()

# %% [markdown]
# ## §9.1 Conv2d
# 书中：ones(4, 4) 与 [[.1, .2], [.3, .4]] 卷积得 3×3 个 1.0。勘误：是逐元素相乘再求和（互相关），不是矩阵乘法。

# %%
# book: §9.1 Conv2d

# %%
print_section_9_1()

# %% [markdown]
# ## §9.1 groups 与 padding
# 书中说 groups "通常不用管这个参数，没有太大意义"，padding 能把输入"改造成卷积核大小的整数倍"。勘误：groups
# 把通道分成几组各自卷积（权重 (out, in/groups, kH, kW)）；padding 在两侧各补 p 个零，与整数倍无关。
# *groups=2 is two convolutions side by side; padding adds zeros on both sides.*

# %%
print_groups_and_padding()

# %% [markdown]
# ## §9.2 Conv1d
# 书中 0.8, 1.4, …；两个通道 27.8, 31.4。

# %%
# book: §9.2 Conv1d

# %%
print_section_9_2()

# %% [markdown]
# ## 输出长度 output size (书外 beyond the book)

# %%
# book: 书外 beyond the book: the output size

# %%
print_output_sizes()
