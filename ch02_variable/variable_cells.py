# %% [markdown]
# # 第2章 变量 Variable (§2)
#
# 自 PyTorch 0.4 起 `Variable` 与 `Tensor` 合并：每个张量自己带 `requires_grad`、`.grad`、`.grad_fn`。
# *Since 0.4 `Variable` and `Tensor` are one.*

# %%
# book: head

# %% [markdown]
# ## §2 `torch.Tensor(3, 4)`
# 书中说它生成"随机数"；勘误：它是未初始化的内存，请用 `torch.zeros` / `torch.rand`。
# *Erratum: uninitialised memory, not random numbers.*

# %%
# book: §2 torch.Tensor(3, 4) 未初始化 uninitialised memory

# %%
print_tensor_constructor()

# %% [markdown]
# ## §2 Variable → Tensor
# 书中印出 "Variable containing:"；今天 `Variable(t)` 直接返回张量。

# %%
# book: §2 Variable → Tensor

# %%
print_variable()

# %% [markdown]
# ## §2 `.data` 与 `.grad`
# 书中：反向传播前 `x.grad` 为 None。今天相同；`.detach()` 是 `.data` 的安全写法。

# %%
# book: §2 .data 与 .grad

# %%
print_data_and_grad()
