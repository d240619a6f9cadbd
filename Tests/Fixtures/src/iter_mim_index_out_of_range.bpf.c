// A planning error: an array of maps with max_entries 2 whose initialiser fills slot [3]. clang
// accepts it (the values member is a flexible array); the loader must refuse it, naming the map
// and the slot, before creating any map.
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_short SEC(".maps") = {
	.values = {
		[3] = &inner_a,
	},
};

SEC("iter/task")
int dump_slot(struct bpf_iter__task *ctx)
{
	__u32 key = 0;

	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	if (bpf_map_lookup_elem(&outer_short, &key) != NULL)
		BPF_SEQ_PRINTF(ctx->meta->seq, "outer_short[0] present\n");
	return 0;
}
