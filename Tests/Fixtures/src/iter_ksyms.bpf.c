// __ksym variables: per-CPU kernel variables (runqueues and bpf_prog_active, through
// bpf_per_cpu_ptr; vmlinux BTF describes per-CPU variables only), and an untyped one whose address
// comes from /proc/kallsyms.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

struct rq {
	unsigned int nr_running;
} __attribute__((preserve_access_index));

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym __weak; /* not in 5.10's BTF: weak, so 0 there */
extern const void bpf_iter_run_prog __ksym;

SEC("iter/task")
int dump_ksyms(struct bpf_iter__task *ctx)
{
	struct rq *rq;
	const int *active;

	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	rq = bpf_per_cpu_ptr(&runqueues, 0);
	if (rq)
		BPF_SEQ_PRINTF(ctx->meta->seq, "cpu0 nr_running %u\n", rq->nr_running);
	if (bpf_ksym_exists(&bpf_prog_active)) { /* a variable: test its address */
		active = bpf_per_cpu_ptr(&bpf_prog_active, 0);
		if (active)
			BPF_SEQ_PRINTF(ctx->meta->seq, "cpu0 bpf_prog_active %d\n", *active);
	} else {
		BPF_SEQ_PRINTF(ctx->meta->seq, "no bpf_prog_active\n");
	}
	BPF_SEQ_PRINTF(ctx->meta->seq, "bpf_iter_run_prog %llx\n", (__u64)&bpf_iter_run_prog);
	return 0;
}
