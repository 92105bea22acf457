# %% [markdown]
# # 第16章 LSTM 文本分类 · LSTM text classification (§16.1–16.7)
#
# 有完整语料（笔记本里 in a notebook `!python ../data/fetch.py 20news 20news-bydate chinese`，终端里 in a
# terminal `python data/fetch.py 20news 20news-bydate chinese`）时用它，否则用样本并说明。
# 这里的训练只看一眼（`LIMIT` 条消息）；完整的命令写在各格上方。
# *The full corpora if fetched, else the samples (it says so); training here is a quick look.*

# %%
import fast_recipe
import support
import textcls
from IPython.display import Image

DATA, OUT = support.resolve_data_dir(None), textcls.DEFAULT_OUT
LIMIT = 300  # None: every message (the book's run takes ≈ 16 min on 2 cores)

# %% [markdown]
# ## §16.1 数据准备 tensor shapes

# %%
textcls.print_section_16_1()

# %% [markdown]
# ## §16.3 中文分词 jieba
# 书中的全模式与默认模式：今天相同。

# %%
textcls.print_section_16_3()

# %% [markdown]
# ## §16.2 + §16.4–16.6 书中的模型、训练与测试 the book's LSTMNet, its training and test
# 勘误：书中的划分让测试集只有最后四个组；§16.6 印的 9140/10000 是 §11.5 的 MNIST 结果。
# 完整命令 full command（≈ 16 分钟 min）：笔记本里 in a notebook `!python textcls.py --full`，终端里 in a
# terminal `python ch16_textcls/textcls.py --full`。

# %%
book = textcls.run_book(textcls.BookSettings(limit=LIMIT), DATA, OUT)

# %% [markdown]
# ## §16.6 书中的 test() 照原样 the book's test() as printed
# 勘误 8 与 15：`len=400` 遮蔽了 `len`（TypeError）；改掉它之后，循环先读 `target` 再给它赋值（UnboundLocalError）。

# %%
textcls.print_section_16_6_listing()

# %% [markdown]
# ## 书外 beyond the book: 现代配方 the modern recipe
# 公平划分、TF-IDF 基线、BiLSTM 与集成；完整命令（bydate，≈ 7 分钟）full command：笔记本里 in a notebook
# `!python fast_recipe.py`，终端里 in a terminal `python ch16_textcls/fast_recipe.py`。

# %%
recipe = fast_recipe.Recipe(epochs=1, limit=LIMIT)
result = fast_recipe.run_recipe(recipe, DATA, OUT)
Image(filename=str(OUT / recipe.corpus / "confusion.png"))
