-- many.lua - 100 messages on one connection, each answered
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.conninfo(conn, "client.example.org", "192.0.2.7")
for i = 1, 100 do
	mt.mailfrom(conn, "<a@example.org>")
	mt.rcptto(conn, "<r" .. i .. "@example.com>")
	mt.header(conn, "Subject", "message " .. i)
	mt.eoh(conn)
	mt.bodystring(conn, "number " .. i .. "\r\n")
	if mt.eom(conn) ~= nil then error("eom " .. i) end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then error("reply " .. i) end
	if not mt.eom_check(conn, MT_HDRINSERT, "X-Winnow-Status") then
		error("no status " .. i)
	end
end
mt.disconnect(conn)
