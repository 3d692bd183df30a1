"""The Bot API methods that send, edit and delete messages and answer button presses."""

from __future__ import annotations

import mimetypes
import struct
from datetime import timedelta
from typing import Any

from bot.emulator.content import check_markup, formatted
from bot.emulator.errors import ApiError, bad_request, forbidden
from bot.emulator.objects import chat_full_info, message_api
from bot.emulator.rate import ChatRateLimit, RateLimit, too_many_requests
from bot.emulator.spec import Upload
from bot.emulator.state import CallbackResult, Chat, EmuDocument, EmuMessage, State, StoredFile

UPLOAD_LIMIT = 50 * 1024 * 1024
PHOTO_LIMIT = 10 * 1024 * 1024
DOWNLOAD_LIMIT = 20 * 1024 * 1024
QUERY_LIFETIME = timedelta(seconds=15)
DELETE_WINDOW = timedelta(hours=48)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Returns (width, height) of a PNG, GIF, JPEG or WebP image, or None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return 1, 1
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + int(length)
        return None
    return None


class Messaging:
    """Sending, editing, deleting, files and callback answers, checked like Telegram."""

    def __init__(
        self,
        state: State,
        bot: dict[str, Any],
        rate: RateLimit | None,
        per_chat: ChatRateLimit | None = None,
    ) -> None:
        self.state = state
        self.bot = bot
        self.rate = rate
        self.per_chat = per_chat

    def chat(self, chat_id: Any) -> Chat:
        """Returns the chat for a chat_id parameter, or raises `chat not found`."""
        if isinstance(chat_id, int) and chat_id in self.state.chats:
            return self.state.chats[chat_id]
        raise bad_request("chat not found")

    def _access(self, chat: Chat) -> None:
        if chat.user.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.user.started:
            raise forbidden("bot can't initiate conversation with a user")

    def _flood(self, chat_id: int) -> None:
        # A refused call counts against neither limit, as with Telegram.
        waits = [
            self.rate.retry_after() if self.rate is not None else None,
            self.per_chat.retry_after(chat_id) if self.per_chat is not None else None,
        ]
        if any(w is not None for w in waits):
            raise too_many_requests(max(w for w in waits if w is not None))
        if self.rate is not None:
            self.rate.record()
        if self.per_chat is not None:
            self.per_chat.record(chat_id)

    def _context(self, p: dict[str, Any]) -> None:
        if p.get("business_connection_id"):
            raise bad_request("business connection not found")
        if p.get("message_thread_id"):
            raise bad_request("message thread not found")
        if p.get("direct_messages_topic_id"):
            raise bad_request("direct messages topic not found")

    def _reply_to(self, chat: Chat, p: dict[str, Any]) -> int | None:
        reply = p.get("reply_parameters")
        if not reply:
            return None
        target = chat.messages.get(int(reply["message_id"]))
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return target.message_id

    def _markup(self, p: dict[str, Any], *, inline_only: bool = False) -> dict[str, Any] | None:
        if "reply_markup" not in p:
            return None
        return check_markup(p["reply_markup"], inline_only=inline_only)

    def _api(self, message: EmuMessage) -> dict[str, Any]:
        return message_api(self.state, message, self.bot)

    async def send_message(self, p: dict[str, Any]) -> Any:
        """sendMessage."""
        chat = self.chat(p["chat_id"])
        self._context(p)
        text, entities = formatted(p["text"], p.get("parse_mode"), p.get("entities"))
        markup = self._markup(p)
        reply_to = self._reply_to(chat, p)
        self._access(chat)
        self._flood(chat.user.id)
        html = p["text"] if (p.get("parse_mode") or "").lower() == "html" else None
        message = self.state.new_message(
            chat,
            from_bot=True,
            text=text,
            html=html,
            entities=entities,
            reply_markup=markup,
            document=None,
            photo=False,
            reply_to_message_id=reply_to,
        )
        return self._api(message)

    def _file(self, p: dict[str, Any], field: str, kind: str) -> StoredFile:
        value = p[field]
        if isinstance(value, str) and value.startswith("attach://"):
            value = p.get("_uploads", {}).get(value[len("attach://") :])
            if value is None:
                raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, Upload):
            return self._upload(value, kind)
        if not isinstance(value, str) or not value.strip():
            raise bad_request(f"there is no {kind} in the request")
        if value.lower().startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = self.state.files.get(value.strip())
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
            )
        return stored

    def _upload(self, upload: Upload, kind: str) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > (PHOTO_LIMIT if kind == "photo" else UPLOAD_LIMIT):
            raise ApiError(413, "Request Entity Too Large")
        name = upload.filename or ("photo.jpg" if kind == "photo" else "document")
        if kind == "photo":
            size = image_size(upload.data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            return self.state.store_file("photo", name, "image/jpeg", upload.data, *size)
        mime = mimetypes.guess_type(name)[0] or upload.content_type or "application/octet-stream"
        if mime == "application/octet-stream" and upload.content_type not in ("", None):
            mime = upload.content_type
        return self.state.store_file("document", name, mime, upload.data)

    async def _send_file(self, p: dict[str, Any], kind: str) -> Any:
        chat = self.chat(p["chat_id"])
        self._context(p)
        caption, entities = formatted(
            p.get("caption", ""), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        markup = self._markup(p)
        reply_to = self._reply_to(chat, p)
        stored = self._file(p, kind, kind)
        self._access(chat)
        self._flood(chat.user.id)
        html = p.get("caption") if (p.get("parse_mode") or "").lower() == "html" else None
        document = None
        if kind == "document":
            document = EmuDocument(stored.file_name, stored.mime_type, stored.data, stored.file_id)
        message = self.state.new_message(
            chat,
            from_bot=True,
            text=caption,
            html=html,
            entities=entities,
            reply_markup=markup,
            document=document,
            photo=kind == "photo",
            photo_file_id=stored.file_id if kind == "photo" else None,
            is_caption=True,
            reply_to_message_id=reply_to,
        )
        return self._api(message)

    async def send_document(self, p: dict[str, Any]) -> Any:
        """sendDocument."""
        return await self._send_file(p, "document")

    async def send_photo(self, p: dict[str, Any]) -> Any:
        """sendPhoto."""
        return await self._send_file(p, "photo")

    def _editable(self, p: dict[str, Any]) -> EmuMessage:
        if p.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        if p.get("business_connection_id"):
            raise bad_request("business connection not found")
        if "chat_id" not in p:
            raise bad_request("chat_id is empty")
        chat = self.chat(p["chat_id"])
        if "message_id" not in p:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        if chat.user.blocked:
            raise forbidden("bot was blocked by the user")
        return message

    def _apply_edit(
        self,
        message: EmuMessage,
        text: str,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
        html: str | None,
    ) -> Any:
        if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        self._flood(message.chat_id)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.html = html
        message.edited = True
        message.edit_date = self.state.clock.now()
        self.state.touch(message)
        return self._api(message)

    async def edit_message_text(self, p: dict[str, Any]) -> Any:
        """editMessageText."""
        message = self._editable(p)
        if message.is_caption:
            raise bad_request("there is no text in the message to edit")
        if "text" not in p:
            raise bad_request("message text is empty")
        text, entities = formatted(p["text"], p.get("parse_mode"), p.get("entities"))
        markup = self._markup(p, inline_only=True)
        html = p["text"] if (p.get("parse_mode") or "").lower() == "html" else None
        return self._apply_edit(message, text, entities, markup, html)

    async def edit_message_caption(self, p: dict[str, Any]) -> Any:
        """editMessageCaption."""
        message = self._editable(p)
        if not message.is_caption:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = formatted(
            p.get("caption", ""), p.get("parse_mode"), p.get("caption_entities"), caption=True
        )
        markup = self._markup(p, inline_only=True)
        html = p.get("caption") if (p.get("parse_mode") or "").lower() == "html" else None
        return self._apply_edit(message, caption, entities, markup, html)

    async def edit_message_reply_markup(self, p: dict[str, Any]) -> Any:
        """editMessageReplyMarkup."""
        message = self._editable(p)
        markup = self._markup(p, inline_only=True)
        return self._apply_edit(message, message.text, message.entities, markup, message.html)

    async def delete_message(self, p: dict[str, Any]) -> Any:
        """deleteMessage."""
        chat = self.chat(p["chat_id"])
        message = chat.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if self.state.clock.now() - message.date > DELETE_WINDOW:
            raise bad_request("message can't be deleted for everyone")
        message.deleted = True
        self.state.touch(message)
        return True

    async def send_chat_action(self, p: dict[str, Any]) -> Any:
        """sendChatAction."""
        chat = self.chat(p["chat_id"])
        self._context(p)
        if p["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self._access(chat)
        return True

    async def answer_callback_query(self, p: dict[str, Any]) -> Any:
        """answerCallbackQuery."""
        query = self.state.queries.get(p["callback_query_id"])
        if (
            query is None
            or query.result is not None
            or self.state.clock.now() - query.created > QUERY_LIFETIME
        ):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        url = p.get("url")
        if url:
            raise bad_request("URL_INVALID")
        query.result = CallbackResult(text or None, bool(p.get("show_alert")), True, url)
        self.state.changed.notify()
        return True

    async def get_file(self, p: dict[str, Any]) -> Any:
        """getFile."""
        stored = self.state.files.get(p["file_id"])
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    async def get_chat(self, p: dict[str, Any]) -> Any:
        """getChat."""
        chat = self.chat(p["chat_id"])
        if not chat.user.started:
            raise bad_request("chat not found")
        return chat_full_info(chat)
