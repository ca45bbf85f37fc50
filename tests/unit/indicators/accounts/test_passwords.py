"""The password policy and the generated passwords it must accept, without a store."""

import pytest

from indicators.accounts.users import AccountError, check_password_policy, generate_password


@pytest.mark.parametrize("password", ["short1", "aaaaaaaaaaaa", "abcabcabcabc", "my-wu-password"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(AccountError):
        check_password_policy(password, "wu")


def test_generated_passwords_never_hold_a_short_user_name():
    # a two-letter name turns up in roughly one random draw of seventy, so a thousand draws would find it
    for _ in range(1000):
        password = generate_password("wu")
        check_password_policy(password, "wu")
        assert "wu" not in password.lower() and len(password) == 16


@pytest.mark.parametrize("username", ["", "a", "x-"])
def test_a_password_is_generated_for_any_name_the_form_may_send(username):
    # the add form generates a password before the name is validated: an empty name must not stall it
    password = generate_password(username)
    check_password_policy(password, username)
    assert len(password) == 16
