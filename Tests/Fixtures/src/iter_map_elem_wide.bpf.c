// A map-element program that reads 16 bytes of each value: the kernel refuses to attach it to a
// map whose values are smaller (iter_map_fill's u64 maps), and `iter update` must refuse to put
// it behind such an iterator, since the kernel checks a program's reads against the map only
// when attaching, not on BPF_LINK_UPDATE.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/bpf_map_elem")
int dump_wide(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;
	__u64 *value = ctx->value;

	if (key == NULL || value == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u %llu %llu\n", *key, value[0], value[1]);
	return 0;
}
