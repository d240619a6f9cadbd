// A typed __ksym variable that vmlinux does not have, so a module's BTF provides it: planning
// must patch its ld_imm64 with the module's BTF fd even when main_thread_only puts code before
// the program (the unit test supplies the module's BTF; this object is never loaded).
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

extern const int iter_test_module_counter __ksym;

SEC("iter/task")
int dump_module_counter(struct bpf_iter__task *ctx)
{
	if (ctx->task == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %llx\n", ctx->task->pid, (__u64)&iter_test_module_counter);
	return 0;
}
