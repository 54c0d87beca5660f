"""The control API tests and the sandbox drive the emulator through: users, their input, what they see."""

from __future__ import annotations

from aiohttp import web

from bot.emulator.state import EmulatorState


class ControlRoutes:
    """Mixed into `EmulatorServer`; `_add_control_routes` mounts the routes on its application."""

    state: EmulatorState
    app: web.Application

    def _add_control_routes(self) -> None:
        r = self.app.router
        r.add_post("/_emulator/users", self._c_add_user)
        r.add_post("/_emulator/users/{user_id}/text", self._c_text)
        r.add_post("/_emulator/users/{user_id}/press", self._c_press)
        r.add_post("/_emulator/users/{user_id}/photo", self._c_photo)
        r.add_post("/_emulator/users/{user_id}/voice", self._c_voice)
        r.add_post("/_emulator/users/{user_id}/location", self._c_location)
        r.add_post("/_emulator/users/{user_id}/block", self._c_block)
        r.add_get("/_emulator/chats/{chat_id}/messages", self._c_messages)
        r.add_get("/_emulator/counters", self._c_counters)

    @staticmethod
    def _uid(request: web.Request) -> int:
        try:
            return int(request.match_info.get("user_id") or request.match_info["chat_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="user id must be a number") from None

    async def _c_add_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.state.add_user(int(body["id"]), body.get("first_name", "User"), body.get("language_code"))
        return web.json_response(user.as_json())

    async def _c_text(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"update_id": self.state.send_text(self._uid(request), body["text"])})

    async def _c_press(self, request: web.Request) -> web.Response:
        body = await request.json()
        update_id = self.state.press(self._uid(request), int(body["message_id"]), str(body["data"]))
        return web.json_response({"update_id": update_id})

    async def _c_photo(self, request: web.Request) -> web.Response:
        data = await request.read()
        caption = request.query.get("caption")
        return web.json_response({"update_id": self.state.send_photo(self._uid(request), data, caption)})

    async def _c_voice(self, request: web.Request) -> web.Response:
        data = await request.read()
        return web.json_response({"update_id": self.state.send_voice(self._uid(request), data)})

    async def _c_location(self, request: web.Request) -> web.Response:
        body = await request.json()
        update_id = self.state.send_location(
            self._uid(request), float(body["latitude"]), float(body["longitude"])
        )
        return web.json_response({"update_id": update_id})

    async def _c_block(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.state.block(self._uid(request), bool(body.get("blocked", True)))
        return web.json_response({"ok": True})

    async def _c_messages(self, request: web.Request) -> web.Response:
        chat_id = self._uid(request)
        return web.json_response(
            [
                {
                    "message_id": m.message_id,
                    "from_bot": m.from_bot,
                    "text": m.text,
                    "caption": m.caption,
                    "buttons": m.buttons,
                    "deleted": m.deleted,
                    "edited": m.edited,
                }
                for m in self.state.messages.get(chat_id, [])
            ]
        )

    async def _c_counters(self, request: web.Request) -> web.Response:
        return web.json_response(self.state.counters)
