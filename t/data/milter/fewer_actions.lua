-- fewer_actions.lua - an MTA that grants only ADDHDRS (and no SETSYMLIST)
-- Our headers are inserted, the inbound X-Winnow-Status cannot be deleted
-- (logged); a redirect, which needs DELRCPT and ADDRCPT, defers the message
-- (451: SMFIR_REPLYCODE; the test reads the code in the log) instead of
-- losing the recipient.
conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then error("cannot connect") end
-- Debian's miltertest 2.11 takes (version, steps, actions) here, whatever
-- its manual says: steps 0, actions ADDHDRS only.
if mt.negotiate(conn, 6, 0, SMFIF_ADDHDRS) ~= nil then error("negotiate") end
mt.conninfo(conn, "client.example.org", "192.0.2.7")
mt.mailfrom(conn, "<friend@example.org>")
mt.rcptto(conn, "<rcpt@example.com>")
mt.header(conn, "Subject", "hello")
mt.header(conn, "X-Winnow-Status", "forged")
mt.eoh(conn)
mt.bodystring(conn, "just a note\r\n")
if mt.eom(conn) ~= nil then error("eom") end
if mt.getreply(conn) ~= SMFIR_CONTINUE then error("not accepted") end
if not mt.eom_check(conn, MT_HDRINSERT, "X-Winnow-Status", "not-detected") then
	error("our status header missing")
end
if mt.eom_check(conn, MT_HDRDELETE) or mt.eom_check(conn, MT_HDRCHANGE) then
	error("changed a header without CHGHDRS")
end
-- a redirect cannot be done without ADDRCPT/DELRCPT: 451, nothing lost
mt.mailfrom(conn, "<spammer@bad.test>")
mt.rcptto(conn, "<rcpt@example.com>")
mt.header(conn, "Subject", "offer")
mt.eoh(conn)
mt.bodystring(conn, "buy now\r\n")
if mt.eom(conn) ~= nil then error("eom 2") end
if mt.getreply(conn) ~= SMFIR_REPLYCODE then error("redirect was not deferred") end
mt.disconnect(conn)
