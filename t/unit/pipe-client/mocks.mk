# t/unit/pipe-client/mocks.mk - winnow-pipe's tests talk to a scripted winnowd
MOCKS_test_pipe_relay	= $(B)/t/mock/mock_winnowd.o
MOCKS_test_pipe_deliver	= $(B)/t/mock/mock_winnowd.o
MOCKS_test_pipe_io	= $(B)/t/mock/mock_winnowd.o
