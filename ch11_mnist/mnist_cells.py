# %% [markdown]
# # 第11章 MNIST 手写数字识别 · Handwritten digits (§11.1–11.6)
#
# 有完整数据（笔记本里 in a notebook `!python ../data/fetch.py mnist`，终端里 in a terminal
# `python data/fetch.py mnist`）时用完整数据，否则用 1,000/500 张的样本并说明。
# 这里的训练默认很短；完整的命令写在各格上方。
# *Full MNIST if fetched, else the committed sample (it says so). Training here is kept short;
# the full commands are given above the cells.*

# %%
import fast_recipe
import figures
import mnist
import support
from IPython.display import Image, display

DATA_DIR = support.resolve_data_dir(None)
data = mnist.load_data(DATA_DIR)
DEVICE = (
    support.auto_device()
)  # --device auto: CUDA (a Colab GPU too), then Apple MPS, then the CPU
print("device:", DEVICE)

# %% [markdown]
# ## §11.1 加载数据 loading the data
# 书中 `Rows: 60000, columns: 784`；打印的标签 `[0,0,0,1,0,0,0,0,0]` 只有 9 个数（勘误 16）；Keras 的
# `mnist.npz` 的键是 `x_train…`，不是书中的 `trainInps…`（勘误 15）。

# %%
mnist.print_section_11_1(data, DATA_DIR, mnist.DEFAULT_OUT)
display(Image(filename=str(mnist.DEFAULT_OUT / "digit_x_train_1.png"), width=112))

# %% [markdown]
# ## §11.2–11.3 网络与第一次调用 the Net and the first call
# 勘误 1：书中的 `randn(1, 1, 32, 32)` 在这个网络上报错，MNIST 的图是 28×28。

# %%
mnist.print_section_11_2()
mnist.print_section_11_3()

# %% [markdown]
# ## §11.4–11.5 书中的训练 the book's training
# SGD lr 0.01 momentum 0.5，批 100，文件顺序。书中 2–5 轮后 9140 / 9379 / 9460 / 9532。
# 完整命令 full command（2 核不到 1 分钟 under a minute on 2 cores）：笔记本里 in a notebook
# `!python mnist.py`，终端里 in a terminal `python ch11_mnist/mnist.py`。

# %%
book = mnist.BookSettings(epochs=5)
mnist.print_section_11_4(book, data, DEVICE)
trained = mnist.train(book, data, DEVICE, mnist.checkpoint_path(mnist.DEFAULT_OUT))
mnist.print_section_11_5(trained, data, "book")

# %% [markdown]
# ## 书外 beyond the book: 快速配方 the fast recipe
# 同一网络，现代训练；这里 3 轮，看一眼。完整 22 轮（≈ 99.5%）：笔记本里 in a notebook `!python fast_recipe.py`，
# 终端里 in a terminal `python ch11_mnist/fast_recipe.py`。*The same Net, modern training: 3 epochs here.*

# %%
fast = fast_recipe.Settings.of("fast", "book", epochs=3)
trained = fast_recipe.run(fast, data, DEVICE, mnist.DEFAULT_OUT / "mnist_book_fast.pt")
book_points = None if data.is_sample else mnist.book_points("book")
shown = figures.save_figures(
    trained.history, trained.pred, data, mnist.DEFAULT_OUT, "book", "fast", book_points
)
for path in shown:
    display(Image(filename=str(path)))
