# %% [markdown]
# # 第1章 PyTorch 与 Tensor · PyTorch and tensors (§1.2, §1.4)
#
# 每个代码格调用 `tensor.py` 里的一个小节函数，打印书中的值和今天的值。改一个数再运行那一格即可。
# *Each code cell calls one section function of `tensor.py` and prints the book's value beside
# today's; change a number and run the cell again.*

# %%
# book: head

# %% [markdown]
# ## §1.2 Tensor 张量
# 书中 `torch.rand(5, 3)` 印出 15 个数字，没有设种子；这里用种子使之可复现，`x.size()` 与书中相同。
# *The book prints 15 unseeded digits; a seed makes ours repeat. `x.size()` is the book's.*

# %%
# book: §1.2 Tensor 张量

# %%
print_section_1_2(SEED)

# %% [markdown]
# ## §1.3 numpy 安装检查 numpy install check
# 书中 `np.array([1,2,3])` 得 `array([1, 2, 3])`：今天相同。*The same today.*

# %%
# book: §1.3 numpy 安装检查 the numpy check

# %%
print_section_1_3()

# %% [markdown]
# ## §1.4 安装检查 install check
# 勘误：书中的 `[torch.FloatTensor of size 2x2]` 是 0.4 之前的打印格式。
# *Erratum: the FloatTensor footer is the pre-0.4 repr.*

# %%
# book: §1.4 安装检查 the install check: torch.ones(2, 2)

# %%
print_section_1_4()

# %% [markdown]
# ## numpy ↔ torch 与环境 environment
# 书外：`torch.from_numpy` 与数组共享内存；环境报告给出本机的 torch、设备和线程。

# %%
# book: §1 numpy 与 torch 互转 numpy <-> torch

# %%
# book: 环境 the environment (not in the book: what runs the chapters)

# %%
print_numpy_bridge()
print_environment_section()
