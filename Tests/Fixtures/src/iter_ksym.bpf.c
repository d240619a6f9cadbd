// A ksym iterator (6.0+): "type name" for every kernel symbol, like /proc/kallsyms without addresses.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/ksym")
int dump_ksyms(struct bpf_iter__ksym *ctx)
{
	struct kallsym_iter *ksym = ctx->ksym;

	if (ksym == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%c %s\n", ksym->type, ksym->name);
	return 0;
}
