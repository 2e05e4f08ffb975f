! f_p2p.F90 - every point-to-point path and the common collectives through the Fortran
! bindings, content- and status-checked, for snapshots taken while it runs (mpisnap-run
! --interval). One source, two programs: -DUSE_MPIF_H (include 'mpif.h') and without
! (use mpi).
!
!   mpirun -np 4 f_p2p_usempi [ROUNDS]        (default 40)
!
! Every round runs on MPI_COMM_WORLD and on a second communicator (MPI_Comm_split with
! the ranks reversed): ANY_SOURCE/ANY_TAG receives; Send, Ssend, Bsend, Rsend; Isend,
! Issend, Ibsend, Irsend completed by Waitall, Waitany, Waitsome, Test, Testall, Testany
! and Testsome (1-based indices checked); persistent requests (Startall, Start);
! Probe, Iprobe, Mprobe/Mrecv, Improbe/Imrecv; Sendrecv, Sendrecv_replace; a vector
! datatype both ways; Request_get_status; MPI_PROC_NULL; Barrier, Bcast, Reduce,
! Allreduce (also MPI_IN_PLACE), Gather, Gatherv, Scatter, Allgather, Alltoall, Scan,
! Reduce_scatter_block. Three messages per round and communicator (one of 24 KB) are
! sent at the start of the round and received only at its end: in flight meanwhile.
! Each rank checks every value, status source, tag and MPI_Get_count it gets; on a
! mismatch it prints "MISMATCH ..." and calls MPI_Abort. Rank 0 ends with two lines,
! a checksum of everything received and "OK", identical with and without mpisnap.
#ifdef USE_MPIF_H
#define FLAVOUR "mpif.h"
#else
#define FLAVOUR "use mpi"
#endif
program f_p2p
#ifndef USE_MPIF_H
  use mpi
#endif
  use, intrinsic :: iso_fortran_env, only: int64, output_unit, error_unit
  implicit none
#ifdef USE_MPIF_H
  include 'mpif.h'
#endif
  integer, parameter :: MAXL = 8, BIG = 6000, VLEN = 3000, NCOMM = 2, MAXP = 16, NREQ = 8
  integer, parameter :: PLEN1 = 5, PLEN2 = 3, BSIZE = 1048576
  integer :: ierr, wrank, wsize, rounds, r, ic, c, me, np, right, left, vtype
  integer :: comms(NCOMM), preq(4, NCOMM), creq(3)
  integer(int64) :: hsum, htotal
  character(len=32) :: arg
  integer, asynchronous :: sb(MAXL, NREQ), rb(MAXL, NREQ), carry_s(MAXL, 2), carry_r(MAXL, 2)
  integer, asynchronous :: big_s(BIG), big_r(BIG), ps(MAXL, 2, NCOMM), pr(MAXL, 2, NCOMM)
  integer, asynchronous :: vec_s(2 * VLEN), vec_r(2 * VLEN), cont_s(VLEN), cont_r(VLEN)
  integer, asynchronous :: bbuf(BSIZE / 4)

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, wrank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, wsize, ierr)
  rounds = 40
  if (command_argument_count() >= 1) then
    call get_command_argument(1, arg)
    read (arg, *) rounds
  end if
  if (wsize < 2 .or. wsize > MAXP) then
    if (wrank == 0) write (error_unit, '(a,i0)') 'f_p2p: needs 2 to 16 ranks, not ', wsize
    call MPI_Abort(MPI_COMM_WORLD, 2, ierr)
  end if
  hsum = 0
  r = -1
  ic = 0
  call MPI_Buffer_attach(bbuf, BSIZE, ierr)
  comms(1) = MPI_COMM_WORLD
  call MPI_Comm_split(MPI_COMM_WORLD, 0, wsize - 1 - wrank, comms(2), ierr)
  call MPI_Type_vector(VLEN, 1, 2, MPI_INTEGER, vtype, ierr)
  call MPI_Type_commit(vtype, ierr)
  do ic = 1, NCOMM
    call set_comm()
    call MPI_Send_init(ps(1, 1, ic), PLEN1, MPI_INTEGER, right, 20, c, preq(1, ic), ierr)
    call MPI_Recv_init(pr(1, 1, ic), MAXL, MPI_INTEGER, left, 20, c, preq(2, ic), ierr)
    call MPI_Send_init(ps(1, 2, ic), PLEN2, MPI_INTEGER, right, 21, c, preq(3, ic), ierr)
    call MPI_Recv_init(pr(1, 2, ic), MAXL, MPI_INTEGER, left, 21, c, preq(4, ic), ierr)
  end do

  do r = 0, rounds - 1
    do ic = 1, NCOMM
      call set_comm()
      call any_source_section()
      call start_carriers()
      call blocking_modes()
      call nonblocking_modes()
      call persistent_section()
      call probe_section()
      call sendrecv_section()
      call vector_section()
      call get_status_section()
      call collectives_section()
      call finish_carriers()
    end do
  end do

  do ic = 1, NCOMM
    call MPI_Request_free(preq(1, ic), ierr)
    call MPI_Request_free(preq(2, ic), ierr)
    call MPI_Request_free(preq(3, ic), ierr)
    call MPI_Request_free(preq(4, ic), ierr)
    if (any(preq(:, ic) /= MPI_REQUEST_NULL)) call fail('Request_free: handle not MPI_REQUEST_NULL', 0, 0)
  end do
  call MPI_Type_free(vtype, ierr)
  call MPI_Comm_free(comms(2), ierr)
  if (comms(2) /= MPI_COMM_NULL) call fail('MPI_Comm_free: handle not MPI_COMM_NULL', comms(2), MPI_COMM_NULL)
  call MPI_Buffer_detach(bbuf, np, ierr)
  if (np /= BSIZE) call fail('MPI_Buffer_detach size', np, BSIZE)
  call MPI_Reduce(hsum, htotal, 1, MPI_INTEGER8, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
  if (wrank == 0) then
    write (output_unit, '(a,i0,a,i0,a,i0)') 'f_p2p (' // FLAVOUR // '): ', wsize, ' ranks, ', rounds, &
      ' rounds, checksum ', htotal
    write (output_unit, '(a)') 'f_p2p: OK'
    flush (output_unit)
  end if
  call MPI_Finalize(ierr)

contains

  subroutine set_comm()
    c = comms(ic)
    call MPI_Comm_rank(c, me, ierr)
    call MPI_Comm_size(c, np, ierr)
    right = mod(me + 1, np)
    left = mod(me - 1 + np, np)
  end subroutine set_comm

  ! the k-th value of the message rank src sends with tag in this round and communicator
  integer function val(src, tag, k)
    integer, intent(in) :: src, tag, k
    val = int(mod(int(r, int64) * 1000003_int64 + int(src, int64) * 10007_int64 + int(tag, int64) * 101_int64 &
                  + int(k, int64) * 7_int64 + int(ic, int64) * 777767_int64 + 12345_int64, 2147483647_int64))
  end function val

  integer function mlen(tag)
    integer, intent(in) :: tag
    mlen = 1 + mod(r + tag + ic, MAXL)
  end function mlen

  subroutine fail(what, got, want)
    character(*), intent(in) :: what
    integer, intent(in) :: got, want
    integer :: e
    write (error_unit, '(a,i0,a,a,a,i0,a,i0,a,i0,a,i0)') 'MISMATCH [world rank ', wrank, '] f_p2p (', &
      FLAVOUR, ') round ', r, ' comm ', ic, ': ' // what // ': got ', got, ', expected ', want
    flush (error_unit)
    call MPI_Abort(MPI_COMM_WORLD, 1, e)
    stop 1
  end subroutine fail

  subroutine expect(got, want, what)
    integer, intent(in) :: got, want
    character(*), intent(in) :: what
    if (got /= want) call fail(what, got, want)
  end subroutine expect

  subroutine fill(buf, tag, n)
    integer, intent(out) :: buf(*)
    integer, intent(in) :: tag, n
    integer :: k
    do k = 1, n
      buf(k) = val(me, tag, k)
    end do
  end subroutine fill

  subroutine check_vals(buf, src, tag, n, what)
    integer, intent(in) :: buf(*), src, tag, n
    character(*), intent(in) :: what
    integer :: k
    do k = 1, n
      if (buf(k) /= val(src, tag, k)) call fail(what // ': value', buf(k), val(src, tag, k))
      hsum = hsum + int(buf(k), int64) * (tag + 1)
    end do
  end subroutine check_vals

  subroutine check_status(st, src, tag, n, what)
    integer, intent(in) :: st(MPI_STATUS_SIZE), src, tag, n
    character(*), intent(in) :: what
    integer :: cnt, e
    call expect(st(MPI_SOURCE), src, what // ': status(MPI_SOURCE)')
    call expect(st(MPI_TAG), tag, what // ': status(MPI_TAG)')
    cnt = -1
    call MPI_Get_count(st, MPI_INTEGER, cnt, e)
    call expect(cnt, n, what // ': MPI_Get_count')
  end subroutine check_status

  ! a message of mlen(tag) values from src
  subroutine check_msg(buf, src, tag, st, what)
    integer, intent(in) :: buf(*), src, tag, st(MPI_STATUS_SIZE)
    character(*), intent(in) :: what
    call check_status(st, src, tag, mlen(tag), what)
    call check_vals(buf, src, tag, mlen(tag), what)
  end subroutine check_msg

  ! ANY_SOURCE + ANY_TAG: tag 40 comes from the left, tag 41 from the right. No other
  ! message can match: every message of the last round was received in it, and the
  ! barrier keeps every rank from sending anything else before all have both.
  subroutine any_source_section()
    integer :: st(MPI_STATUS_SIZE), rq(2), k, seen(2), tag, src
    call fill(sb(1, 1), 40, mlen(40))
    call fill(sb(1, 2), 41, mlen(41))
    call MPI_Isend(sb(1, 1), mlen(40), MPI_INTEGER, right, 40, c, rq(1), ierr)
    call MPI_Isend(sb(1, 2), mlen(41), MPI_INTEGER, left, 41, c, rq(2), ierr)
    seen = 0
    do k = 1, 2
      call MPI_Recv(rb(1, k), MAXL, MPI_INTEGER, MPI_ANY_SOURCE, MPI_ANY_TAG, c, st, ierr)
      tag = st(MPI_TAG)
      src = st(MPI_SOURCE)
      if (tag /= 40 .and. tag /= 41) call fail('ANY_TAG receive: status(MPI_TAG)', tag, 40)
      if (seen(tag - 39) /= 0) call fail('ANY_TAG receive: tag received twice', tag, 81 - tag)
      seen(tag - 39) = 1
      call check_msg(rb(1, k), merge(left, right, tag == 40), tag, st, 'ANY_SOURCE/ANY_TAG Recv')
    end do
    call MPI_Waitall(2, rq, MPI_STATUSES_IGNORE, ierr)
    call MPI_Barrier(c, ierr)
  end subroutine any_source_section

  ! sent now, received by finish_carriers at the end of the round
  subroutine start_carriers()
    integer :: k
    call fill(carry_s(1, 1), 50, mlen(50))
    call fill(carry_s(1, 2), 51, mlen(51))
    do k = 1, BIG
      big_s(k) = val(me, 60, k)
    end do
    call MPI_Isend(carry_s(1, 1), mlen(50), MPI_INTEGER, right, 50, c, creq(1), ierr)
    call MPI_Ibsend(carry_s(1, 2), mlen(51), MPI_INTEGER, left, 51, c, creq(2), ierr)
    call MPI_Isend(big_s, BIG, MPI_INTEGER, right, 60, c, creq(3), ierr)
  end subroutine start_carriers

  subroutine finish_carriers()
    integer :: st(MPI_STATUS_SIZE), rq
    call MPI_Recv(carry_r(1, 1), MAXL, MPI_INTEGER, left, 50, c, st, ierr)
    call check_msg(carry_r(1, 1), left, 50, st, 'carrier Isend -> Recv')
    call MPI_Recv(carry_r(1, 2), MAXL, MPI_INTEGER, right, 51, c, MPI_STATUS_IGNORE, ierr)
    call check_vals(carry_r(1, 2), right, 51, mlen(51), 'carrier Ibsend -> Recv(MPI_STATUS_IGNORE)')
    big_r = 0
    call MPI_Irecv(big_r, BIG, MPI_INTEGER, left, 60, c, rq, ierr)
    call MPI_Wait(rq, st, ierr)
    call check_status(st, left, 60, BIG, 'carrier 24 KB Isend -> Irecv')
    call check_vals(big_r, left, 60, BIG, 'carrier 24 KB Isend -> Irecv')
    call MPI_Waitall(3, creq, MPI_STATUSES_IGNORE, ierr)
    if (any(creq /= MPI_REQUEST_NULL)) call fail('Waitall: a request is not MPI_REQUEST_NULL', 0, 0)
  end subroutine finish_carriers

  ! the receiver has posted its receives when it sent the token (Sendrecv, tag 9)
  subroutine ready_token()
    integer :: t1, t2, st(MPI_STATUS_SIZE)
    call MPI_Sendrecv(t1, 0, MPI_INTEGER, left, 9, t2, 0, MPI_INTEGER, right, 9, c, st, ierr)
    call check_status(st, right, 9, 0, 'Sendrecv ready token')
  end subroutine ready_token

  subroutine blocking_modes()
    integer :: mode, tag, rq, st(MPI_STATUS_SIZE)
    do mode = 1, 4
      tag = 1 + mode
      call fill(sb(1, 1), tag, mlen(tag))
      call MPI_Irecv(rb(1, 1), MAXL, MPI_INTEGER, left, tag, c, rq, ierr)
      select case (mode)
      case (1)
        call MPI_Send(sb(1, 1), mlen(tag), MPI_INTEGER, right, tag, c, ierr)
      case (2)
        call MPI_Ssend(sb(1, 1), mlen(tag), MPI_INTEGER, right, tag, c, ierr)
      case (3)
        call MPI_Bsend(sb(1, 1), mlen(tag), MPI_INTEGER, right, tag, c, ierr)
      case (4)
        call ready_token()
        call MPI_Rsend(sb(1, 1), mlen(tag), MPI_INTEGER, right, tag, c, ierr)
      end select
      call MPI_Wait(rq, st, ierr)
      call check_msg(rb(1, 1), left, tag, st, modename(mode) // ' -> Irecv/Wait')
    end do
  end subroutine blocking_modes

  function modename(mode)
    integer, intent(in) :: mode
    character(len=6) :: modename
    modename = merge('Send  ', merge('Ssend ', merge('Bsend ', 'Rsend ', mode == 3), mode == 2), mode == 1)
  end function modename

  ! requests 1-4: receives of tags base+1..base+4; 5-8: Isend, Issend, Ibsend, Irsend
  subroutine nonblocking_modes()
    integer :: method, mode, base, rq(NREQ), sts(MPI_STATUS_SIZE, NREQ), st(MPI_STATUS_SIZE)
    integer :: done(NREQ), ndone, idx, outc, idxs(NREQ), j
    logical :: flag
    character(len=8), parameter :: names(7) = ['Waitall ', 'Waitany ', 'Waitsome', 'Test    ', &
                                               'Testall ', 'Testany ', 'Testsome']
    do method = 1, 7
      base = 100 + 4 * method
      do mode = 1, 4
        call MPI_Irecv(rb(1, mode), MAXL, MPI_INTEGER, left, base + mode, c, rq(mode), ierr)
      end do
      call ready_token()
      do mode = 1, 4
        call fill(sb(1, mode), base + mode, mlen(base + mode))
      end do
      call MPI_Isend(sb(1, 1), mlen(base + 1), MPI_INTEGER, right, base + 1, c, rq(5), ierr)
      call MPI_Issend(sb(1, 2), mlen(base + 2), MPI_INTEGER, right, base + 2, c, rq(6), ierr)
      call MPI_Ibsend(sb(1, 3), mlen(base + 3), MPI_INTEGER, right, base + 3, c, rq(7), ierr)
      call MPI_Irsend(sb(1, 4), mlen(base + 4), MPI_INTEGER, right, base + 4, c, rq(8), ierr)
      done = 0
      ndone = 0
      select case (method)
      case (1)
        call MPI_Waitall(NREQ, rq, sts, ierr)
        do j = 1, NREQ
          call got(j, sts(:, j), rq, done, ndone, method, base)
        end do
      case (2)
        do while (ndone < NREQ)
          call MPI_Waitany(NREQ, rq, idx, st, ierr)
          call got(idx, st, rq, done, ndone, method, base)
        end do
        call MPI_Waitany(NREQ, rq, idx, st, ierr)
        call expect(idx, MPI_UNDEFINED, 'Waitany on null requests: index')
      case (3)
        do while (ndone < NREQ)
          call MPI_Waitsome(NREQ, rq, outc, idxs, sts, ierr)
          if (outc < 1 .or. outc > NREQ - ndone) call fail('Waitsome outcount', outc, NREQ - ndone)
          do j = 1, outc
            call got(idxs(j), sts(:, j), rq, done, ndone, method, base)
          end do
        end do
        call MPI_Waitsome(NREQ, rq, outc, idxs, sts, ierr)
        call expect(outc, MPI_UNDEFINED, 'Waitsome on null requests: outcount')
      case (4)
        do j = 1, NREQ
          flag = .false.
          do while (.not. flag)
            call MPI_Test(rq(j), flag, st, ierr)
          end do
          call got(j, st, rq, done, ndone, method, base)
        end do
      case (5)
        flag = .false.
        do while (.not. flag)
          call MPI_Testall(NREQ, rq, flag, sts, ierr)
        end do
        do j = 1, NREQ
          call got(j, sts(:, j), rq, done, ndone, method, base)
        end do
      case (6)
        do while (ndone < NREQ)
          call MPI_Testany(NREQ, rq, idx, flag, st, ierr)
          if (flag) call got(idx, st, rq, done, ndone, method, base)
        end do
        call MPI_Testany(NREQ, rq, idx, flag, st, ierr)
        if (.not. flag) call fail('Testany on null requests: flag false', 0, 1)
        call expect(idx, MPI_UNDEFINED, 'Testany on null requests: index')
      case (7)
        do while (ndone < NREQ)
          call MPI_Testsome(NREQ, rq, outc, idxs, sts, ierr)
          if (outc < 0 .or. outc > NREQ - ndone) call fail('Testsome outcount', outc, NREQ - ndone)
          do j = 1, outc
            call got(idxs(j), sts(:, j), rq, done, ndone, method, base)
          end do
        end do
      end select
      if (any(rq /= MPI_REQUEST_NULL)) call fail(trim(names(method)) // ': a request is not MPI_REQUEST_NULL', 0, 0)
    end do
  end subroutine nonblocking_modes

  ! request i of nonblocking_modes completed (index as returned by MPI, 1-based)
  subroutine got(i, s, rq, done, ndone, method, base)
    integer, intent(in) :: i, s(MPI_STATUS_SIZE), rq(NREQ), method, base
    integer, intent(inout) :: done(NREQ), ndone
    character(len=8), parameter :: names(7) = ['Waitall ', 'Waitany ', 'Waitsome', 'Test    ', &
                                               'Testall ', 'Testany ', 'Testsome']
    if (i < 1 .or. i > NREQ) call fail(trim(names(method)) // ': index out of 1..8', i, 1)
    if (done(i) /= 0) call fail(trim(names(method)) // ': index returned twice', i, 0)
    if (rq(i) /= MPI_REQUEST_NULL) call fail(trim(names(method)) // ': completed request not null', i, 0)
    done(i) = 1
    ndone = ndone + 1
    if (i <= 4) call check_msg(rb(1, i), left, base + i, s, trim(modename(i)) // ' -> Irecv, ' // trim(names(method)))
  end subroutine got

  subroutine persistent_section()
    integer :: sts(MPI_STATUS_SIZE, 2), st(MPI_STATUS_SIZE)
    logical :: flag
    call fill(ps(1, 1, ic), 20, PLEN1)
    pr(:, 1, ic) = 0
    call MPI_Startall(2, preq(1:2, ic), ierr)
    call MPI_Waitall(2, preq(1:2, ic), sts, ierr)
    if (preq(1, ic) == MPI_REQUEST_NULL .or. preq(2, ic) == MPI_REQUEST_NULL) &
      call fail('Waitall freed a persistent request', 0, 1)
    call check_status(sts(:, 2), left, 20, PLEN1, 'persistent Startall/Waitall')
    call check_vals(pr(1, 1, ic), left, 20, PLEN1, 'persistent Startall/Waitall')
    call fill(ps(1, 2, ic), 21, PLEN2)
    pr(:, 2, ic) = 0
    call MPI_Start(preq(4, ic), ierr)
    call MPI_Start(preq(3, ic), ierr)
    call MPI_Wait(preq(3, ic), MPI_STATUS_IGNORE, ierr)
    flag = .false.
    do while (.not. flag)
      call MPI_Test(preq(4, ic), flag, st, ierr)
    end do
    if (preq(4, ic) == MPI_REQUEST_NULL) call fail('Test freed a persistent request', 0, 1)
    call check_status(st, left, 21, PLEN2, 'persistent Start/Test')
    call check_vals(pr(1, 2, ic), left, 21, PLEN2, 'persistent Start/Test')
  end subroutine persistent_section

  subroutine probe_section()
    integer :: rq(4), rq2, st(MPI_STATUS_SIZE), st2(MPI_STATUS_SIZE), msg, cnt, tag
    logical :: flag
    do tag = 30, 33
      call fill(sb(1, tag - 29), tag, mlen(tag))
      call MPI_Isend(sb(1, tag - 29), mlen(tag), MPI_INTEGER, right, tag, c, rq(tag - 29), ierr)
    end do
    ! Probe, then a receive of exactly the probed count
    call MPI_Probe(left, 30, c, st, ierr)
    call check_status(st, left, 30, mlen(30), 'Probe')
    call MPI_Get_count(st, MPI_INTEGER, cnt, ierr)
    call MPI_Recv(rb(1, 1), cnt, MPI_INTEGER, left, 30, c, st2, ierr)
    call check_msg(rb(1, 1), left, 30, st2, 'Probe -> Recv')
    ! Iprobe from any source, then a receive from the source it reported
    flag = .false.
    do while (.not. flag)
      call MPI_Iprobe(MPI_ANY_SOURCE, 31, c, flag, st, ierr)
    end do
    call check_status(st, left, 31, mlen(31), 'Iprobe(MPI_ANY_SOURCE)')
    call MPI_Recv(rb(1, 2), MAXL, MPI_INTEGER, st(MPI_SOURCE), 31, c, st2, ierr)
    call check_msg(rb(1, 2), left, 31, st2, 'Iprobe -> Recv')
    ! Mprobe + Mrecv
    call MPI_Mprobe(left, 32, c, msg, st, ierr)
    call check_status(st, left, 32, mlen(32), 'Mprobe')
    call MPI_Mrecv(rb(1, 3), MAXL, MPI_INTEGER, msg, st2, ierr)
    if (msg /= MPI_MESSAGE_NULL) call fail('Mrecv: message handle not MPI_MESSAGE_NULL', msg, MPI_MESSAGE_NULL)
    call check_msg(rb(1, 3), left, 32, st2, 'Mprobe -> Mrecv')
    ! Improbe (any source) + Imrecv + Wait
    flag = .false.
    do while (.not. flag)
      call MPI_Improbe(MPI_ANY_SOURCE, 33, c, flag, msg, st, ierr)
    end do
    call check_status(st, left, 33, mlen(33), 'Improbe(MPI_ANY_SOURCE)')
    call MPI_Imrecv(rb(1, 4), MAXL, MPI_INTEGER, msg, rq2, ierr)
    call MPI_Wait(rq2, st2, ierr)
    call check_msg(rb(1, 4), left, 33, st2, 'Improbe -> Imrecv')
    call MPI_Waitall(4, rq, MPI_STATUSES_IGNORE, ierr)
  end subroutine probe_section

  subroutine sendrecv_section()
    integer :: st(MPI_STATUS_SIZE)
    call fill(sb(1, 1), 35, mlen(35))
    call MPI_Sendrecv(sb(1, 1), mlen(35), MPI_INTEGER, right, 35, rb(1, 1), MAXL, MPI_INTEGER, left, 35, c, st, ierr)
    call check_msg(rb(1, 1), left, 35, st, 'Sendrecv')
    call fill(sb(1, 2), 36, mlen(36))
    call MPI_Sendrecv_replace(sb(1, 2), mlen(36), MPI_INTEGER, right, 36, left, 36, c, st, ierr)
    call check_msg(sb(1, 2), left, 36, st, 'Sendrecv_replace')
    call fill(sb(1, 3), 37, mlen(37))
    call MPI_Sendrecv(sb(1, 3), mlen(37), MPI_INTEGER, left, 37, rb(1, 3), MAXL, MPI_INTEGER, MPI_ANY_SOURCE, 37, &
                      c, st, ierr)
    call check_msg(rb(1, 3), right, 37, st, 'Sendrecv(MPI_ANY_SOURCE)')
  end subroutine sendrecv_section

  ! every other integer of 2*VLEN (12 KB of data): vector -> contiguous, contiguous -> vector
  subroutine vector_section()
    integer :: rq, st(MPI_STATUS_SIZE), k, cnt
    vec_s = -1
    do k = 1, VLEN
      vec_s(2 * k - 1) = val(me, 70, k)
      cont_s(k) = val(me, 71, k)
    end do
    cont_r = 0
    call MPI_Irecv(cont_r, VLEN, MPI_INTEGER, left, 70, c, rq, ierr)
    call MPI_Send(vec_s, 1, vtype, right, 70, c, ierr)
    call MPI_Wait(rq, st, ierr)
    call check_status(st, left, 70, VLEN, 'vector -> contiguous')
    call check_vals(cont_r, left, 70, VLEN, 'vector -> contiguous')
    vec_r = -7
    call MPI_Sendrecv(cont_s, VLEN, MPI_INTEGER, right, 71, vec_r, 1, vtype, left, 71, c, st, ierr)
    call check_status(st, left, 71, VLEN, 'contiguous -> vector')
    call MPI_Get_count(st, vtype, cnt, ierr)
    call expect(cnt, 1, 'contiguous -> vector: MPI_Get_count(vector type)')
    do k = 1, VLEN
      if (vec_r(2 * k - 1) /= val(left, 71, k)) call fail('contiguous -> vector: value', vec_r(2 * k - 1), val(left, 71, k))
      if (vec_r(2 * k) /= -7) call fail('contiguous -> vector: the gap was written', vec_r(2 * k), -7)
      hsum = hsum + vec_r(2 * k - 1)
    end do
  end subroutine vector_section

  subroutine get_status_section()
    integer :: rq, st(MPI_STATUS_SIZE)
    logical :: flag
    call MPI_Irecv(rb(1, 1), MAXL, MPI_INTEGER, left, 38, c, rq, ierr)
    call fill(sb(1, 1), 38, mlen(38))
    call MPI_Send(sb(1, 1), mlen(38), MPI_INTEGER, right, 38, c, ierr)
    flag = .false.
    do while (.not. flag)
      call MPI_Request_get_status(rq, flag, st, ierr)
    end do
    if (rq == MPI_REQUEST_NULL) call fail('Request_get_status freed the request', 0, 1)
    call check_msg(rb(1, 1), left, 38, st, 'Request_get_status')
    call MPI_Wait(rq, MPI_STATUS_IGNORE, ierr)
    if (rq /= MPI_REQUEST_NULL) call fail('Wait(MPI_STATUS_IGNORE): request not null', rq, MPI_REQUEST_NULL)
    ! MPI_PROC_NULL: nothing sent, an empty status from MPI_PROC_NULL
    call MPI_Send(sb(1, 1), 1, MPI_INTEGER, MPI_PROC_NULL, 39, c, ierr)
    call MPI_Recv(rb(1, 1), MAXL, MPI_INTEGER, MPI_PROC_NULL, 39, c, st, ierr)
    call check_status(st, MPI_PROC_NULL, MPI_ANY_TAG, 0, 'Recv(MPI_PROC_NULL)')
  end subroutine get_status_section

  subroutine collectives_section()
    integer :: root, s, j, ib(4), x(3), y(3), want(3), g(MAXP), gv(MAXP * (MAXP + 1) / 2), cnts(MAXP), displs(MAXP)
    integer :: mine(MAXP), a(MAXP), b(MAXP), sc, rs(2 * MAXP), rr(2)
    double precision :: d(2)
    root = mod(r, np)
    call MPI_Barrier(c, ierr)
    ! Bcast
    ib = 0
    if (me == root) ib = [(val(root, 80, j), j = 1, 4)]
    call MPI_Bcast(ib, 4, MPI_INTEGER, root, c, ierr)
    do j = 1, 4
      call expect(ib(j), val(root, 80, j), 'Bcast')
    end do
    hsum = hsum + sum(int(ib, int64))
    ! Reduce (sum) and Allreduce (max)
    x = [me + 1, r, mod(val(me, 81, 1), 1000)]
    y = -1
    call MPI_Reduce(x, y, 3, MPI_INTEGER, MPI_SUM, root, c, ierr)
    if (me == root) then
      want = [np * (np + 1) / 2, r * np, sum([(mod(val(s, 81, 1), 1000), s = 0, np - 1)])]
      do j = 1, 3
        call expect(y(j), want(j), 'Reduce(MPI_SUM)')
      end do
      hsum = hsum + sum(int(y, int64))
    end if
    call MPI_Allreduce(x, y, 3, MPI_INTEGER, MPI_MAX, c, ierr)
    want = [np, r, maxval([(mod(val(s, 81, 1), 1000), s = 0, np - 1)])]
    do j = 1, 3
      call expect(y(j), want(j), 'Allreduce(MPI_MAX)')
    end do
    ! Allreduce in place, exact in double precision
    d = [dble(me), 0.5d0 * me]
    call MPI_Allreduce(MPI_IN_PLACE, d, 2, MPI_DOUBLE_PRECISION, MPI_SUM, c, ierr)
    call expect(nint(d(1) * 2), np * (np - 1), 'Allreduce(MPI_IN_PLACE) element 1 * 2')
    call expect(nint(d(2) * 4), np * (np - 1), 'Allreduce(MPI_IN_PLACE) element 2 * 4')
    ! Gather, Gatherv (rank s sends s+1 values)
    s = val(me, 82, 1)
    g = 0
    call MPI_Gather(s, 1, MPI_INTEGER, g, 1, MPI_INTEGER, root, c, ierr)
    if (me == root) then
      do j = 0, np - 1
        call expect(g(j + 1), val(j, 82, 1), 'Gather')
      end do
    end if
    do j = 1, me + 1
      mine(j) = val(me, 83, j)
    end do
    do j = 0, np - 1
      cnts(j + 1) = j + 1
      displs(j + 1) = j * (j + 1) / 2
    end do
    gv = 0
    call MPI_Gatherv(mine, me + 1, MPI_INTEGER, gv, cnts, displs, MPI_INTEGER, root, c, ierr)
    if (me == root) then
      do s = 0, np - 1
        do j = 1, s + 1
          call expect(gv(displs(s + 1) + j), val(s, 83, j), 'Gatherv')
        end do
      end do
      hsum = hsum + sum(int(gv(1:np * (np + 1) / 2), int64))
    end if
    ! Scatter: rank s gets val(s, 84, 1)
    g = 0
    if (me == root) g(1:np) = [(val(s, 84, 1), s = 0, np - 1)]
    call MPI_Scatter(g, 1, MPI_INTEGER, s, 1, MPI_INTEGER, root, c, ierr)
    call expect(s, val(me, 84, 1), 'Scatter')
    ! Allgather
    g = 0
    s = val(me, 85, 1)
    call MPI_Allgather(s, 1, MPI_INTEGER, g, 1, MPI_INTEGER, c, ierr)
    do j = 0, np - 1
      call expect(g(j + 1), val(j, 85, 1), 'Allgather')
    end do
    hsum = hsum + sum(int(g(1:np), int64))
    ! Alltoall: element j of rank s goes to rank j
    a(1:np) = [(val(me, 86, j), j = 0, np - 1)]
    b = 0
    call MPI_Alltoall(a, 1, MPI_INTEGER, b, 1, MPI_INTEGER, c, ierr)
    do j = 0, np - 1
      call expect(b(j + 1), val(j, 86, me), 'Alltoall')
    end do
    ! Scan
    s = me + 1
    call MPI_Scan(s, sc, 1, MPI_INTEGER, MPI_SUM, c, ierr)
    call expect(sc, (me + 1) * (me + 2) / 2, 'Scan')
    ! Reduce_scatter_block: 2 per rank
    do s = 0, np - 1
      rs(2 * s + 1) = me + 10 * s + r
      rs(2 * s + 2) = 2 * me + 10 * s
    end do
    call MPI_Reduce_scatter_block(rs, rr, 2, MPI_INTEGER, MPI_SUM, c, ierr)
    call expect(rr(1), np * (np - 1) / 2 + np * (10 * me + r), 'Reduce_scatter_block element 1')
    call expect(rr(2), np * (np - 1) + np * 10 * me, 'Reduce_scatter_block element 2')
    hsum = hsum + rr(1) + rr(2) + sc
  end subroutine collectives_section

end program f_p2p
