// A planning error: an array of maps with no __array(values, ...) member, so nothing says what
// its inner maps look like and the kernel cannot be given an inner map template (libbpf 1.1
// creates the map without one and the kernel answers EINVAL). The loader must refuse it by name.
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} outer_bare SEC(".maps");

SEC("iter/task")
int dump_slot(struct bpf_iter__task *ctx)
{
	__u32 key = 0;

	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	if (bpf_map_lookup_elem(&outer_bare, &key) != NULL)
		BPF_SEQ_PRINTF(ctx->meta->seq, "outer_bare[0] present\n");
	return 0;
}
