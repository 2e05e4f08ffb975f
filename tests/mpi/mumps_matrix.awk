# mumps_matrix.awk - writes, on stdout, the input of MUMPS's dsimpletest (N, NNZ, then
# "row col value" per entry, then the right-hand side, one value a line) for an
# N = n^3 system whose solution MUMPS computes exactly, bit for bit the same in every run:
#
#     awk -v n=28 -f mumps_matrix.awk > input     # n even
#
# The pattern is the 27-point stencil of an n x n x n grid (a trilinear finite-element
# matrix's), so the analysis, the elimination tree, the fronts, the messages and the
# flops are those of a 3-D problem. Its values are zero except on 4 x 4 blocks, one per
# 2 x 2 square of grid points in each xy plane, whose entries are +-1 with signs such
# that every principal minor of the block is +-(a power of two). Then every number
# MUMPS computes is a dyadic rational of a few bits: its scaling (one inf-norm and three
# one-norm iterations of 1/sqrt(norm): norms 1 and 4) is exact, every pivot and every
# entry of the factors is exact, so are the sums of the solve; none depends on the order
# in which contributions are added. With an ordinary matrix that order, which MUMPS's
# dynamic scheduling decides at run time, changes the last bits of the solution from
# one run to the next, with or without mpisnap.
# The solution is x(r) = 1 + (37 r mod 9): dsimpletest prints it as 1.0000000000000000 ... 9.0000000000000000.
BEGIN {
  if (n < 2 || n % 2) { print "mumps_matrix.awk: n must be even and >= 2" > "/dev/stderr"; exit 2 }
  # sign patterns of 4 x 4 blocks, row by row (+ is 1, - is -1), principal minors +-2^k
  split("+-+-+++-++-+++++ +++-+---++-++-++ +---++--++++++-+ ++--+-+-+++++--+ " \
        "--+-+-+-+++++++- -++-++--+++++-+- ----+---++-+++-- -+--+++-++-++---", P, " ")
  N = n * n * n; nz = 0
  for (r = 1; r <= N; r++) x[r] = 1 + (r * 37) % 9
  for (k = 0; k < n; k++) for (j = 0; j < n; j++) for (i = 0; i < n; i++) {
    r = 1 + i + n * (j + n * k)
    pat = P[1 + (int(i / 2) * 3 + int(j / 2) * 5 + k * 7) % 8]
    lr = i % 2 + 2 * (j % 2); b[r] = 0
    for (dk = -1; dk <= 1; dk++) for (dj = -1; dj <= 1; dj++) for (di = -1; di <= 1; di++) {
      ii = i + di; jj = j + dj; kk = k + dk
      if (ii < 0 || jj < 0 || kk < 0 || ii >= n || jj >= n || kk >= n) continue
      s = 1 + ii + n * (jj + n * kk); v = 0
      if (kk == k && int(ii / 2) == int(i / 2) && int(jj / 2) == int(j / 2))
        v = substr(pat, 1 + 4 * lr + ii % 2 + 2 * (jj % 2), 1) == "-" ? -1 : 1
      e[++nz] = r " " s " " v; b[r] += v * x[s]
    }
  }
  print N; print nz
  for (q = 1; q <= nz; q++) print e[q]
  for (r = 1; r <= N; r++) print b[r]
}
