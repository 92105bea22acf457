# %% [markdown]
# # 第11章 MNIST 手写数字识别 · Handwritten digits (§11.1–11.6)
#
# 有完整数据（笔记本里 in a notebook `!python ../data/fetch.py mnist`，终端里 in a terminal
# `python data/fetch.py mnist`）时用完整数据，否则用 1,000/500 张的样本并说明。
# 这里的训练默认很短；完整的命令写在各格上方。
# *Full MNIST if fetched, else the committed sample (it says so). Training here is kept short;
# the full commands are given above the cells.*

# %%
# book: head

# %%
from IPython.display import Image, display

DATA_DIR = support.resolve_data_dir(None)
DEVICE = (
    support.auto_device()
)  # --device auto: CUDA (a Colab GPU too), then Apple MPS, then the CPU
print("device:", DEVICE)

# %% [markdown]
# ## §11.1 加载数据 loading the data
# 书中 `Rows: 60000, columns: 784`；打印的标签 `[0,0,0,1,0,0,0,0,0]` 只有 9 个数（勘误 16）；Keras 的
# `mnist.npz` 的键是 `x_train…`，不是书中的 `trainInps…`（勘误 15）。

# %%
# book: §11.1 加载数据 data

# %%
data = load_data(DATA_DIR)
print_section_11_1(data, DATA_DIR, DEFAULT_OUT)
display(Image(filename=str(DEFAULT_OUT / "digit_x_train_1.png"), width=112))

# %% [markdown]
# ## §11.2 卷积模型 the Net
# 书中 §11.2 写 `Linear(320, 60)`，§11.4 的完整代码是 50（勘误 4）；这里按 §11.4。改 `MODELS` 里的宽度再运行下面的格，
# 参数个数和训练都会变。*Change a width in `MODELS` and rerun: the count and the training change.*

# %%
# book: §11.2 卷积模型 the Net

# %%
print_section_11_2()

# %% [markdown]
# ## §11.3 开始训练 the first call
# 勘误 1：书中的 `randn(1, 1, 32, 32)` 在这个网络上报错，MNIST 的图是 28×28。

# %%
# book: §11.3 开始训练 the first call

# %%
print_section_11_3()

# %% [markdown]
# ## §11.4 训练与测试 the book's training
# SGD lr 0.01 momentum 0.5，批 100，文件顺序，每轮之后测试并保存检查点。这里训练 `EPOCHS` 轮（样本上几秒）；
# 完整命令 full command（2 核不到 1 分钟 under a minute on 2 cores）：笔记本里 in a notebook
# `!python mnist.py`，终端里 in a terminal `python ch11_mnist/mnist.py`。

# %%
# book: §11.4 训练与测试 the book's training

# %%
EPOCHS = 5
settings = BookSettings(epochs=EPOCHS)
print_section_11_4(settings, data, DEVICE)
trained = train(settings, data, DEVICE, checkpoint_path(DEFAULT_OUT))

# %% [markdown]
# ## §11.5 / §11.6 结果 the book's tables
# 书中 2–5 轮后 9140 / 9379 / 9460 / 9532（书中的"迭代"是轮，勘误 2）。曲线上的星号是书中的数。

# %%
# book: §11.5 / §11.6 结果 the book's tables

# %%
print_section_11_5(trained, data, "book")
points = None if data.is_sample else book_points("book")
shown = figures.save_figures(
    trained.history, trained.pred, data, DEFAULT_OUT, "book", "book", points
)
display(Image(filename=str(shown[0])))

# %% [markdown]
# ## 书外 beyond the book: 快速配方 the fast recipe (`fast_recipe.py`)
# 同一网络，现代训练；这里 3 轮，看一眼。完整 22 轮（≈ 99.5%）：笔记本里 in a notebook `!python fast_recipe.py`，
# 终端里 in a terminal `python ch11_mnist/fast_recipe.py`。*The same Net, modern training: 3 epochs here.*

# %%
import fast_recipe

fast_recipe.main(["--epochs", "3", "--device", DEVICE])
for kind in ("curves", "confusion", "misclassified"):
    display(Image(filename=str(DEFAULT_OUT / f"{kind}_book_fast.png")))
