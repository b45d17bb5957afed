# pipe-client/module.mk - winnow-pipe: the protocol half and message edits,
# no check library
DEPS_pipe-client = lib spool smtp mail
LIBS_pipe-client = -lpthread
