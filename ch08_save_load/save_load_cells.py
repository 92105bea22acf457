# %% [markdown]
# # 第8章 模型的保存和导入 · Saving and loading (§8)

# %%
# book: head

# %% [markdown]
# ## §8 书中的做法：保存整个模型 the whole-model pickle
# 勘误：PyTorch 2.6 起 `torch.load` 默认 `weights_only=True`，拒绝载入整个模型的 pickle。

# %%
# book: §8 保存整个模型 the whole model: torch.save(model) / torch.load

# %%
print_whole_model()

# %% [markdown]
# ## 为什么 why: a checkpoint is a pickle, and a pickle can run code

# %%
# book: §8 为什么 weights_only why: a checkpoint is a pickle

# %%
print_why_weights_only()

# %% [markdown]
# ## 安全的做法 the safe way: state_dict, atomic write, `weights_only=True`

# %%
# book: §8 安全的做法 the safe way: state_dict, weights_only=True

# %%
print_the_safe_way()
