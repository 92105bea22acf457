# %% [markdown]
# # 第16章 LSTM 文本分类 · LSTM text classification (§16.1–16.7)
#
# 有完整语料（笔记本里 in a notebook `!python ../data/fetch.py 20news 20news-bydate chinese`，终端里 in a
# terminal `python data/fetch.py 20news 20news-bydate chinese`）时用它，否则用样本并说明。
# 这里的训练只看一眼（`LIMIT` 条消息）；完整的命令写在各格上方。
# *The full corpora if fetched, else the samples (it says so); training here is a quick look.*

# %%
# book: head

# %%
from IPython.display import Image

import fast_recipe

DATA, OUT = support.resolve_data_dir(None), DEFAULT_OUT
LIMIT = 300  # None: every message (the book's full run takes ≈ 5 min on 2 cores)

# %% [markdown]
# ## §16.1 数据准备 tensor shapes

# %%
# book: §16.1 数据准备 tensor shapes

# %%
print_section_16_1()

# %% [markdown]
# ## §16.2 数据源 the corpus
# 书中按文件夹读 20_newsgroup，Keras 的 Tokenizer 保留 20,000 个词，最后 20% 不打乱作测试。勘误：这样的划分让测试集
# 只有最后四个组，其中三个从未在训练中出现；Tokenizer 也看过测试文本。*The book's split leaves only the last four
# groups for testing, three never seen in training; the Tokenizer sees the test texts too.*

# %%
# book: §16.2 数据源 the corpus

# %% [markdown]
# ## §16.3 中文分词 jieba
# 书中的全模式与默认模式：今天相同。

# %%
# book: §16.3 中文分词 jieba

# %%
print_section_16_3()

# %% [markdown]
# ## §16.4 模型 the book's LSTMNet
# Embedding(20000, 100) → dropout 0.2 → 两层 LSTM(100) → 最后一步 → Linear → log_softmax。

# %%
# book: §16.4 模型 the book's LSTMNet

# %%
print(LSTMNet(n_classes=20))

# %% [markdown]
# ## §16.5 训练 the book's training
# SGD lr 0.01 momentum 0.5，一次一条消息，文件顺序，一轮。*SGD, one message at a time, one epoch.*

# %%
# book: §16.5 训练 the book's training

# %% [markdown]
# ## §16.6 验证结果 the book's test
# 勘误 8 与 15：`len=400` 遮蔽了 `len`（TypeError）；改掉它之后，循环先读 `target` 再给它赋值（UnboundLocalError）。

# %%
# book: §16.6 验证结果 the book's test

# %%
print_section_16_6_listing()

# %% [markdown]
# ## §16.7 源码 the book's run: §16.2 + §16.4–16.6
# 勘误：§16.6 印的 9140/10000 是 §11.5 的 MNIST 结果。这里只用前 `LIMIT` 条消息；完整命令 full command
# （≈ 5 分钟 min）：笔记本里 in a notebook `!python textcls.py --full`，终端里 in a terminal
# `python ch16_textcls/textcls.py --full`。

# %%
# book: §16.7 源码 the book's run

# %%
book = run_book(BookSettings(limit=LIMIT), DATA, OUT)

# %% [markdown]
# ## 书外 beyond the book: 现代配方 the modern recipe (`fast_recipe.py`)
# 公平划分、TF-IDF 基线、BiLSTM 与集成；完整命令（bydate，≈ 7 分钟）full command：笔记本里 in a notebook
# `!python fast_recipe.py`，终端里 in a terminal `python ch16_textcls/fast_recipe.py`。

# %%
recipe = fast_recipe.Recipe(epochs=1, limit=LIMIT)
result = fast_recipe.run_recipe(recipe, DATA, OUT)
Image(filename=str(OUT / recipe.corpus / "confusion.png"))
