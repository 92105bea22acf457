# %% [markdown]
# # 第10章 池化层 · Pooling (§10.1–10.3)

# %%
# book: head

# %% [markdown]
# ## §10.1 `max_pool2d` 的签名 signature
# 书中 stride=None（即 kernel_size）、return_indices=False：相同。

# %%
# book: §10.1 max_pool2d: the signature and its parameters

# %%
print_section_10_1_signature()

# %% [markdown]
# ## §10.1–10.3 书中的例子 the book's examples
# 书中 [[6, 8], [16, 18]]；1, 3, …, 15；两个通道时通道保留。

# %%
# book: §10.1–10.3 the book's numbers

# %%
print_sections_10_1_to_10_3()

# %% [markdown]
# ## ceil_mode 与 padding
# 勘误：padding 两侧都补（最大池化补 −∞），不是书中说的"在左前端填充 0"。

# %%
# book: §10.1 ceil_mode and padding: listed by the book, run here

# %%
print_ceil_mode_and_padding()
