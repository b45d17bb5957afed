-- size_limit.lua - body chunks of the protocol's 65535 bytes up to exactly
-- message_size_limit (accepted), then one byte more (552, read to the end)
-- The winnowd of this script has message_size_limit = 262144; the header
-- section is "Subject: s\r\n\r\n" (14 bytes).
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example.org", "192.0.2.7")
chunk = string.rep("x", 65533) .. "\r\n"
function message(extra)
	mt.mailfrom(conn, "<a@example.org>")
	mt.rcptto(conn, "<b@example.com>")
	mt.header(conn, "Subject", "s")
	mt.eoh(conn)
	for i = 1, 3 do mt.bodystring(conn, chunk) end
	-- 262144 - 14 - 3 * 65535 = 65525
	mt.bodystring(conn, string.rep("y", 65523 + extra) .. "\r\n")
	if mt.eom(conn) ~= nil then error("eom") end
	return mt.getreply(conn)
end
if message(0) ~= SMFIR_CONTINUE then error("limit itself refused") end
if message(1) ~= SMFIR_REPLYCODE then error("over the limit accepted") end
-- and the connection is still in step
if message(0) ~= SMFIR_CONTINUE then error("out of step after 552") end
mt.disconnect(conn)
