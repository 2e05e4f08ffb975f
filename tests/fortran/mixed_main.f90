! mixed_main.f90 - a Fortran main program (use mpi) that shares its communicators and
! requests with C (mixed_c.c) while snapshots are taken.
!
!   mpirun -np 4 f_mixed [ROUNDS]        (default 200)
!
! Fortran creates a communicator (MPI_Comm_split, ranks reversed) and passes its INTEGER
! handle to C, which converts it with MPI_Comm_f2c and duplicates it (MPI_Comm_dup),
! handing the copy back with MPI_Comm_c2f. Each round, on Fortran's communicator:
!  - Fortran sends tag 6 to the right, received in C at the end of the round, where C
!    also waits for Fortran's request (MPI_Request_f2c); C sends 20 KB with tag 7 to the
!    left, received in Fortran (MPI_ANY_SOURCE) at the end, and Fortran waits for C's
!    request (MPI_Request_c2f): both in flight for the whole round;
!  - three tag-5 messages to the right, sent by Fortran, C, Fortran in that order, are
!    received by C, Fortran, C (MPI's order between one sender and receiver);
!  - C calls MPI_Allreduce on it;
! and on C's communicator: Fortran sends tag 8, C receives it; Fortran does Sendrecv
! and Bcast. Both communicators are freed in Fortran at the end. Every value, source,
! tag and count is checked on both sides ("MISMATCH ...", MPI_Abort). Rank 0 ends with
! a checksum of everything received and "OK", identical with and without mpisnap.
program mixed_main
  use mpi
  use, intrinsic :: iso_c_binding, only: c_int, c_int64_t
  use, intrinsic :: iso_fortran_env, only: int64, output_unit, error_unit
  implicit none
  interface
    subroutine c_setup(fcomm, frank, ccomm) bind(C, name='mixed_c_setup')
      import :: c_int
      integer(c_int), intent(in) :: fcomm, frank
      integer(c_int), intent(out) :: ccomm
    end subroutine c_setup
    subroutine c_round_start(fcomm, r, req7) bind(C, name='mixed_c_round_start')
      import :: c_int
      integer(c_int), intent(in) :: fcomm, r
      integer(c_int), intent(out) :: req7
    end subroutine c_round_start
    subroutine c_send_mid(fcomm, r, req5) bind(C, name='mixed_c_send_mid')
      import :: c_int
      integer(c_int), intent(in) :: fcomm, r
      integer(c_int), intent(out) :: req5
    end subroutine c_send_mid
    subroutine c_recv_tag5(fcomm, r, seq) bind(C, name='mixed_c_recv_tag5')
      import :: c_int
      integer(c_int), intent(in) :: fcomm, r, seq
    end subroutine c_recv_tag5
    subroutine c_middle(fcomm, r) bind(C, name='mixed_c_middle')
      import :: c_int
      integer(c_int), intent(in) :: fcomm, r
    end subroutine c_middle
    subroutine c_round_end(fcomm, r, req6) bind(C, name='mixed_c_round_end')
      import :: c_int
      integer(c_int), intent(in) :: fcomm, r
      integer(c_int), intent(inout) :: req6
    end subroutine c_round_end
    integer(c_int64_t) function c_checksum() bind(C, name='mixed_c_checksum')
      import :: c_int64_t
    end function c_checksum
    integer(c_int) function c_val(r, src, tag, k) bind(C, name='mixed_val')
      import :: c_int
      integer(c_int), value :: r, src, tag, k
    end function c_val
  end interface
  integer, parameter :: BIGC = 5000, MAXL = 8
  integer :: ierr, wrank, wsize, rounds, r, fcomm, ccomm, me, np, right, left, cme, cright, cleft, k
  integer :: req6, req7, rq(4), st(MPI_STATUS_SIZE), one, two, ib(3)
  integer(int64) :: fsum, total, both(1)
  character(len=32) :: arg
  integer, asynchronous :: s6(2), a1(3), a2(5), s8(6), rb(MAXL), big(BIGC)

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, wrank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, wsize, ierr)
  rounds = 200
  if (command_argument_count() >= 1) then
    call get_command_argument(1, arg)
    read (arg, *) rounds
  end if
  fsum = 0
  r = -1
  call MPI_Comm_split(MPI_COMM_WORLD, 7, wsize - 1 - wrank, fcomm, ierr)
  call MPI_Comm_rank(fcomm, me, ierr)
  call MPI_Comm_size(fcomm, np, ierr)
  right = mod(me + 1, np)
  left = mod(me - 1 + np, np)
  call c_setup(fcomm, me, ccomm)
  call MPI_Comm_rank(ccomm, cme, ierr)
  call expect(cme, me, 'MPI_Comm_rank of the communicator C created')
  cright = mod(cme + 1, np)
  cleft = mod(cme - 1 + np, np)
  if (ccomm == fcomm) call fail('C''s MPI_Comm_dup has the handle of the original', ccomm, -1)

  do r = 0, rounds - 1
    ! messages in flight for the whole round, one each way between the languages
    s6 = [(val(me, 6, k), k = 1, 2)]
    call MPI_Isend(s6, 2, MPI_INTEGER, right, 6, fcomm, req6, ierr)
    call c_round_start(fcomm, r, req7)
    ! three tag-5 messages to the right: Fortran, C, Fortran
    a1 = [(val(me, 5, k), k = 1, 3)]
    a2 = [(val(me, 5, 200 + k), k = 1, 5)]
    call MPI_Isend(a1, 3, MPI_INTEGER, right, 5, fcomm, rq(1), ierr)
    call c_send_mid(fcomm, r, rq(2))
    call MPI_Isend(a2, 5, MPI_INTEGER, right, 5, fcomm, rq(3), ierr)
    ! ... received by C, Fortran, C
    call c_recv_tag5(fcomm, r, 0)
    rb = 0
    call MPI_Recv(rb, MAXL, MPI_INTEGER, MPI_ANY_SOURCE, 5, fcomm, st, ierr)
    call check(rb, st, left, 5, 100, 4, 'Fortran receives C''s tag-5 message (Recv ANY_SOURCE)')
    call c_recv_tag5(fcomm, r, 2)
    ! on C's communicator: Fortran sends tag 8, C receives it
    s8 = [(val(cme, 8, k), k = 1, 6)]
    call MPI_Isend(s8, 6, MPI_INTEGER, cright, 8, ccomm, rq(4), ierr)
    call c_middle(fcomm, r)
    call MPI_Waitall(4, rq, MPI_STATUSES_IGNORE, ierr)
    do k = 1, 4
      if (rq(k) /= MPI_REQUEST_NULL) call fail('Waitall on Fortran and C requests: not null', k, 0)
    end do
    ! Fortran on C's communicator
    one = val(cme, 9, 1)
    call MPI_Sendrecv(one, 1, MPI_INTEGER, cright, 9, two, 1, MPI_INTEGER, cleft, 9, ccomm, st, ierr)
    call expect(st(MPI_SOURCE), cleft, 'Sendrecv on C''s communicator: source')
    call expect(two, val(cleft, 9, 1), 'Sendrecv on C''s communicator: value')
    ib = 0
    if (cme == mod(r, np)) ib = [(val(cme, 10, k), k = 1, 3)]
    call MPI_Bcast(ib, 3, MPI_INTEGER, mod(r, np), ccomm, ierr)
    do k = 1, 3
      call expect(ib(k), val(mod(r, np), 10, k), 'Bcast on C''s communicator')
    end do
    fsum = fsum + two + sum(ib)
    ! the end of the round: C's 20 KB (in Fortran), Fortran's tag 6 (in C)
    big = 0
    call MPI_Recv(big, BIGC, MPI_INTEGER, MPI_ANY_SOURCE, 7, fcomm, st, ierr)
    call check(big, st, right, 7, 0, BIGC, 'Fortran receives C''s 20 KB sent at the start of the round')
    call MPI_Wait(req7, MPI_STATUS_IGNORE, ierr)
    if (req7 /= MPI_REQUEST_NULL) call fail('MPI_Wait on C''s request: not null', req7, MPI_REQUEST_NULL)
    call c_round_end(fcomm, r, req6)
    if (req6 /= MPI_REQUEST_NULL) call fail('C waited for Fortran''s request: not null', req6, MPI_REQUEST_NULL)
  end do

  call MPI_Comm_free(ccomm, ierr)
  call MPI_Comm_free(fcomm, ierr)
  if (ccomm /= MPI_COMM_NULL .or. fcomm /= MPI_COMM_NULL) call fail('MPI_Comm_free: not MPI_COMM_NULL', ccomm, fcomm)
  both(1) = fsum + c_checksum()
  call MPI_Reduce(both, total, 1, MPI_INTEGER8, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
  if (wrank == 0) then
    write (output_unit, '(a,i0,a,i0,a,i0)') 'f_mixed: ', wsize, ' ranks, ', rounds, ' rounds, checksum ', total
    write (output_unit, '(a)') 'f_mixed: OK'
    flush (output_unit)
  end if
  call MPI_Finalize(ierr)

contains

  ! the same values as C's (mixed_c.c calls this function too)
  integer function val(src, tag, k)
    integer, intent(in) :: src, tag, k
    val = c_val(r, src, tag, k)
  end function val

  subroutine fail(what, got, want)
    character(*), intent(in) :: what
    integer, intent(in) :: got, want
    integer :: e
    write (error_unit, '(a,i0,a,i0,a,i0,a,i0)') 'MISMATCH [world rank ', wrank, '] f_mixed round ', r, &
      ': ' // what // ': got ', got, ', expected ', want
    flush (error_unit)
    call MPI_Abort(MPI_COMM_WORLD, 1, e)
    stop 1
  end subroutine fail

  subroutine expect(got, want, what)
    integer, intent(in) :: got, want
    character(*), intent(in) :: what
    if (got /= want) call fail(what, got, want)
  end subroutine expect

  ! n values val(src, tag, k0+1..k0+n), with the status
  subroutine check(buf, st, src, tag, k0, n, what)
    integer, intent(in) :: buf(*), st(MPI_STATUS_SIZE), src, tag, k0, n
    character(*), intent(in) :: what
    integer :: cnt, k, e
    call expect(st(MPI_SOURCE), src, what // ': status(MPI_SOURCE)')
    call expect(st(MPI_TAG), tag, what // ': status(MPI_TAG)')
    call MPI_Get_count(st, MPI_INTEGER, cnt, e)
    call expect(cnt, n, what // ': MPI_Get_count')
    do k = 1, n
      call expect(buf(k), val(src, tag, k0 + k), what // ': value')
      fsum = fsum + buf(k)
    end do
  end subroutine check

end program mixed_main
