-- headers.lua - 5000 header fields, 3000 of them inbound X-Winnow-*: all
-- of ours deleted, the message answered within the timeout
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then error("cannot connect") end
mt.set_timeout(60)
mt.conninfo(conn, "client.example.org", "192.0.2.7")
mt.mailfrom(conn, "<a@example.org>")
mt.rcptto(conn, "<b@example.com>")
for i = 1, 2000 do
	mt.header(conn, "X-Filler-" .. i, "value " .. i)
end
for i = 1, 3000 do
	mt.header(conn, "X-Winnow-Info", "forged " .. i)
end
mt.eoh(conn)
mt.bodystring(conn, "body\r\n")
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted") end
if not mt.eom_check(conn, MT_HDRDELETE, "X-Winnow-Info") then
	error("forged fields not deleted")
end
if mt.eom_check(conn, MT_HDRDELETE, "X-Filler-7") then
	error("deleted a field of the sender")
end
mt.disconnect(conn)
