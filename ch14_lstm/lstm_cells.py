# %% [markdown]
# # 第13章 LSTM 原理 · 第14章 PyTorch 中的 LSTM · 第15章 Embedding
#
# 这些小模型在一个线程上最快（见 MEASUREMENTS.md），下面一格像脚本那样设为 1 个线程。
# *These small models run fastest on one thread; the next cell sets it, as the script does.*

# %%
# book: head

# %%
from IPython.display import Image

torch.set_num_threads(DEFAULT_THREADS)
OUT = DEFAULT_OUT

# %% [markdown]
# ## §13.1 长期依赖 long-term dependencies
# 书中只有文字：RNN 学不会长间隔，LSTM 可以。这里先测量梯度比值，再训练加法问题（≈ 25 秒）。

# %%
# book: §13.1 long-term dependencies

# %%
print_section_13_1(OUT)
Image(filename=str(OUT / "long_term_dependency.png"))

# %% [markdown]
# ## §13.4 逐步理解 LSTM
# 勘误：候选值 C̃ 应用 tanh，书中写成 σ。

# %%
# book: §13.4 the LSTM, step by step

# %%
print_section_13_4()

# %% [markdown]
# ## §13.5 变体 variants
# 书中的 GRU 公式与 `nn.GRU` 不同（PyTorch 把 r 乘在 W_hn·h 之后）。

# %%
# book: §13.5 variants

# %%
print_section_13_5()

# %% [markdown]
# ## §14 `nn.LSTM`
# 勘误：`num_layers` 默认是 1，不是 2；其余默认值与书中相同。

# %%
# book: §14 nn.LSTM, argument by argument, shape by shape

# %%
print_section_14()

# %% [markdown]
# ## §15 词袋与 Embedding bag of words and Embedding
# 书中的例子：苏宁易购 = 0，电商 = 1。

# %%
# book: §15 bag of words and Embedding

# %%
print_section_15(OUT)
Image(filename=str(OUT / "embedding_pca.png"))
