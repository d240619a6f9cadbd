// BTF that older kernels reject: DECL_TAG, TYPE_TAG, ENUM64, signed ENUM, FLOAT and a global
// function. The loader rewrites what the running kernel does not know (5.10 knows none of these
// but FUNC linkage), so this loads on every kernel of the matrix.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

enum big_values : unsigned long long {
	BIG_ONE = 1ULL << 40,
	BIG_TWO = 1ULL << 41,
};

enum signed_values : int {
	NEGATIVE = -3,
	POSITIVE = 3,
};

struct tagged {
	int value __attribute__((btf_decl_tag("iter:value")));
	int __attribute__((btf_type_tag("iter_tag"))) *pointer;
};

volatile enum big_values big = BIG_TWO;
volatile enum signed_values small = NEGATIVE;
volatile float ratio = 1.5f;
struct tagged tagged_global __attribute__((btf_decl_tag("iter:global")));

__noinline __attribute__((btf_decl_tag("iter:function"))) int scale(int x)
{
	return x * 2;
}

SEC("iter/task")
int dump_kinds(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %d %llx %d\n", task->pid, scale(task->pid), (__u64)big, (int)small);
	return 0;
}
