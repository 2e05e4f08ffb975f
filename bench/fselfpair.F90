! fselfpair.F90 - bench/selfpair.c in Fortran (use mpi, or use mpi_f08 with -DF08): N
! times an 8-byte MPI_Send to itself and the MPI_Recv of it, for instruction counts
! under callgrind (bench/fortran.sh --instr).
program fselfpair
#ifdef F08
  use mpi_f08
#else
  use mpi
#endif
  implicit none
  integer :: n = 1000, me, ierr, i
  character(len=16) :: arg
  character(len=1) :: b(8)
  if (command_argument_count() > 0) then
    call get_command_argument(1, arg)
    read (arg, *) n
  end if
  b = 'x'
  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, me, ierr)
  do i = 1, n
    call MPI_Send(b, 8, MPI_BYTE, me, 0, MPI_COMM_WORLD, ierr)
    call MPI_Recv(b, 8, MPI_BYTE, me, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE, ierr)
  end do
  call MPI_Finalize(ierr)
end program
