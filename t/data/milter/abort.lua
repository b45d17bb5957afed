-- abort.lua - an abort in the middle of a message, then a whole message on
-- the same connection; then an abort before the body and QUIT
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example.org", "192.0.2.7")
mt.helo(conn, "client.example.org")
mt.mailfrom(conn, "<a@example.org>")
mt.rcptto(conn, "<b@example.com>")
mt.header(conn, "Subject", "first, aborted")
mt.bodystring(conn, "half a body\r\n")
if mt.abort(conn) ~= nil then error("abort") end
mt.macro(conn, SMFIC_MAIL, "i", "QID2")
mt.mailfrom(conn, "<a@example.org>")
mt.rcptto(conn, "<c@example.com>")
mt.header(conn, "Subject", "second")
mt.eoh(conn)
mt.bodystring(conn, "whole\r\n")
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("second not accepted") end
if not mt.eom_check(conn, MT_HDRINSERT, "X-Winnow-Group", "All") then
	error("no group header")
end
mt.mailfrom(conn, "<a@example.org>")
mt.rcptto(conn, "<d@example.com>")
mt.abort(conn)
mt.disconnect(conn)
