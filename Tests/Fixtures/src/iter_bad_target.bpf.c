// An iterator program for a target no kernel has: planning must name the target.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/no_such_target")
int dump_nothing(struct bpf_iter__task *ctx)
{
	return 0;
}
