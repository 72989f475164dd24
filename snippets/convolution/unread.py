"""Which input sizes a 3x3 kernel with stride 2 and no padding reads in full, and which lose rows."""

from cnn_glossary import publish
from cnn_glossary.conv import ConvConfig, visited_inputs
from cnn_glossary.conv_table import by_name

# --8<-- [start:lesson]
KERNEL, STRIDE = 3, 2  # no padding
rows_never_read = {}
for size in range(4, 13):
    read = visited_inputs(ConvConfig(f"size_{size}", size, KERNEL, stride=STRIDE))  # True where a window reads
    rows_never_read[size] = int((~read.any(axis=1)).sum())  # rows that no window touches
# --8<-- [end:lesson]


def words(sizes):  # [4, 6, 8] -> "4, 6 and 8"; [] -> "no size"
    if not sizes:
        return "no size"
    return ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]}" if len(sizes) > 1 else str(sizes[0])


skipped = [s for s, n in rows_never_read.items() if n]
full = [s for s, n in rows_never_read.items() if not n]
example = by_name("no_padding_strides_odd")  # the page's third animation
assert (example.kernel_size, example.stride, example.padding) == (KERNEL, STRIDE, 0), "keep the example in step"
# the parity rule the page states, checked over the sizes shown: an even size loses rows, an odd one does not
parity = all((n > 0) == (s % 2 == 0) for s, n in rows_never_read.items())
publish.value("kernel_size", KERNEL)
publish.value("stride", STRIDE)
publish.value("rows_never_read", [[s, n] for s, n in rows_never_read.items()])
publish.value("sizes_skipped", words(skipped))
publish.value("sizes_read_in_full", words(full))
publish.value("example_size", example.input_size)
publish.value("example_rows_never_read", rows_never_read[example.input_size])
publish.value("rule", "an even size loses its last row and column, an odd size is read in full" if parity
              else f"sizes {words(skipped)} lose rows; {words(full)} are read in full")
publish.table("sizes", [(s, ConvConfig("t", s, KERNEL, stride=STRIDE).output_size, n)
                        for s, n in rows_never_read.items()],
              headers=["input size", "output size", "rows (and columns) never read"])
