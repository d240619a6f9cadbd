// A callback passed to bpf_loop (5.17+): the callback's address is an ld_imm64 with
// BPF_PSEUDO_FUNC, relocated like a call. Prints the sum 1..n for each task's pid % 5 + 1.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

struct sum_ctx {
	__u64 sum;
};

static int add_one(__u32 index, struct sum_ctx *data)
{
	data->sum += index + 1;
	return 0;
}

SEC("iter/task")
int loop_sum(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct sum_ctx data = { 0 };
	__u32 n;

	if (task == NULL)
		return 0;
	n = (__u32)task->pid % 5 + 1;
	bpf_loop(n, add_one, &data, 0);
	BPF_SEQ_PRINTF(seq, "%d %u %llu\n", task->pid, n, data.sum);
	return 0;
}
