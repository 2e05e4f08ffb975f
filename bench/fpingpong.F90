! fpingpong.F90 - bench/pingpong.c in Fortran, for bench/fortran.sh: one-way latency
! between ranks 0 and 1 through the Fortran bindings (use mpi, or use mpi_f08 when
! built with -DF08). Prints "size_bytes usec_one_way MB_per_s" for each --size, the
! median of --reps repetitions of --iters round trips.
program fpingpong
#ifdef F08
  use mpi_f08
#else
  use mpi
#endif
  implicit none
  integer :: iters = 20000, reps = 5, size = 8, rank, ierr, i, r, n, k
  character(len=32) :: arg, val
  character(len=1), allocatable :: buf(:)
  double precision, allocatable :: t(:)
  double precision :: t0, tmp
  do k = 1, command_argument_count() - 1, 2
    call get_command_argument(k, arg)
    call get_command_argument(k + 1, val)
    select case (arg)
    case ('--iters'); read (val, *) iters
    case ('--reps'); read (val, *) reps
    case ('--size'); read (val, *) size
    end select
  end do
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  allocate (buf(max(size, 1)), t(reps))
  buf = 'x'
  n = iters
  do r = 1, reps
    call MPI_Barrier(MPI_COMM_WORLD, ierr)
    t0 = MPI_Wtime()
    do i = 1, n
      if (rank == 0) then
        call MPI_Send(buf, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, ierr)
        call MPI_Recv(buf, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
      else if (rank == 1) then
        call MPI_Recv(buf, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
        call MPI_Send(buf, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, ierr)
      end if
    end do
    t(r) = (MPI_Wtime() - t0) / (2.0d0 * n)
  end do
  do i = 1, reps - 1 ! sort, for the median
    do k = i + 1, reps
      if (t(k) < t(i)) then
        tmp = t(i); t(i) = t(k); t(k) = tmp
      end if
    end do
  end do
  if (rank == 0) print '(I0, 1X, F0.4, 1X, F0.1)', size, t(reps / 2 + 1) * 1d6, size / t(reps / 2 + 1) / 1d6
  call MPI_Finalize(ierr)
end program
